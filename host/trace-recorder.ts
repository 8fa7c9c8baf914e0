/**
 * The trace of a run (EngineRunOptions.trace): rows of the first `restarts` restarts' parameters
 * copied on the GPU after every chunk of trace.every steps into one buffer, read back once at the
 * end of the first wave.
 */
import { type TraceRequest, type TraceResult, traceSlots } from '../src/engine/engine.ts';
import { readBack } from './readback.ts';
import type { RunResources } from './run-resources.ts';

export class TraceRecorder {
  readonly restarts: number;
  readonly slots: number;
  private readonly P: number;
  private readonly rowBytes: number;
  private readonly buf: GPUBuffer;
  /** Slots written so far. */
  private recorded = 0;

  /** `most`: the restarts of the run's range (a range shorter than the trace traces what it holds, as the CPU engine does). */
  constructor(private readonly res: RunResources, private readonly request: TraceRequest, most = Infinity) {
    if (!(Number.isInteger(request.every) && request.every >= 1)) throw new RangeError(`trace.every must be an integer ≥ 1 (got ${request.every})`);
    this.P = res.prep.shape.P;
    this.restarts = Math.min(request.restarts, res.W, most);
    this.slots = traceSlots(res.prep.exp.maxSteps, request.every);
    this.rowBytes = this.restarts * this.P * 4;
    this.buf = res.make(this.slots * this.rowBytes, GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, 'trace');
  }

  /** Records the initial parameters (slot 0). */
  recordStart(enc: GPUCommandEncoder): void {
    enc.copyBufferToBuffer(this.res.params, 0, this.buf, 0, this.rowBytes);
    this.recorded = 1;
  }

  /** Records the parameters after a chunk that ends at step `reached`, if that ends a slot. */
  recordChunk(enc: GPUCommandEncoder, reached: number): void {
    const { every } = this.request;
    if (reached % every === 0 && reached / every < this.slots) {
      enc.copyBufferToBuffer(this.res.params, 0, this.buf, (reached / every) * this.rowBytes, this.rowBytes);
      this.recorded = reached / every + 1;
    }
  }

  /** The recorded slots, the rest filled with the last one (decided restarts stay put), to onTrace. */
  async deliver(): Promise<void> {
    const { restarts, P, slots, recorded } = this;
    const rowFloats = restarts * P;
    const mapped = await readBack(this.res.device, [{ buffer: this.buf, bytes: recorded * rowFloats * 4 }]);
    const params = new Float32Array(slots * rowFloats);
    params.set(new Float32Array(mapped, 0, recorded * rowFloats));
    for (let s = recorded; s < slots; s++) params.copyWithin(s * rowFloats, (recorded - 1) * rowFloats, recorded * rowFloats);
    const trace: TraceResult = { restarts, P, steps: Array.from({ length: slots }, (_, s) => s * this.request.every), params };
    this.request.onTrace(trace);
  }
}
