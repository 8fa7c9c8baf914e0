/// <reference types="@webgpu/types" preserve="true" />
/**
 * The library's public entry (package.json "exports", built into dist-lib/ with the shaders
 * inlined): run a paper experiment on either engine and read its result.
 *
 *   import { cpuEngine, GpuEngine, getDevice, runExperiment } from 'basins';
 *   const engine = cpuEngine(); // or: new GpuEngine(await getDevice())
 *   for await (const u of runExperiment('du-table1', { k: 25, ratio: 4 }, { engine })) {
 *     console.log(u.progress.done, u.progress.total, u.snapshot?.pGlobal);
 *   }
 *
 * Everything else in the repository (the CLI, the page, the benchmarks) is built on these.
 */

// The presets, runExperiment, the option helpers and their types: src/presets/index.ts is the
// presets' own public face, so it is passed on whole.
export * from './presets/index.ts';

// The engines: the f64 CPU reference, and the GPU engine with the one way to get its device.
export { cpuEngine, CPU_LABEL } from './engine/cpu.ts';
export type { Engine, EngineRunOptions, TraceRequest, TraceResult, WaveResult } from './engine/engine.ts';
export { GpuEngine, type GpuRunOptions } from '../host/gpu-engine.ts';
export { getDevice, NoWebGPUError, type AdapterSummary, type DeviceHandle } from '../host/device.ts';

// What an engine runs, and what comes back.
export { ExperimentError, validateExperiment } from './core/experiment.ts';
export type { Experiment, InitSpec, LossSpec, OptimizerSpec } from './core/experiment.ts';
export type { Counts, Histogram, Snapshot } from './core/stats.ts';
export type { BasinMap, CellResult, ExperimentResult, Figure, Series, Table } from './results/types.ts';
export { resultCsv, resultJson, resultJsonText, resultMarkdown } from './results/report.ts';

// Supplied datasets: typed arrays (makeDataset) or file bytes (loadDataset: .npy, .csv, .json),
// for the empirical loss — e.g. runExperiment('supplied-data', { data }, { engine }).
export { makeDataset, describeDataset, datasetDigest, type Dataset, type DatasetDescription } from './core/dataset.ts';
export { loadDataset, DATA_FORMATS, type DataFile } from './data/load.ts';
export { DatasetFileError } from './data/errors.ts';
export { writeNpy, parseNpy } from './data/npy.ts';
export { writeCsv } from './data/csv.ts';
export { writeJson } from './data/json.ts';
