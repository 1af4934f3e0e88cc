import * as tf from "@tensorflow/tfjs-core";

export interface SparseSignSgdOptions {
  /** Decoupled weight decay on the touched rows: row <- row * (1 - lr * wd). */
  readonly weightDecay?: number;
}

/**
 * SignSGD for the puzzle-embedding table, as the official sparse embedding optimiser: the gradients of the rows in
 * the batch are summed per puzzle id, then only those rows move: row <- row * (1 - lr * wd) - lr * sign(sum g).
 * Rows absent from the batch are not decayed. It has no state, so a checkpoint needs nothing from it.
 */
export class SparseSignSgd {
  readonly name = "sign_sgd";
  private readonly weightDecay: number;

  constructor(
    private readonly table: tf.Variable,
    options: SparseSignSgdOptions = {},
  ) {
    if (table.rank !== 2) throw new Error(`SparseSignSgd: the table must be 2-D [ids, dim], got shape [${table.shape.join(", ")}].`);
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** `ids` [B] and `grad` [B, D]: one gradient row per batch row; rows sharing an id are summed first. */
  step(ids: Int32Array, grad: tf.Tensor2D, lr: number): void {
    const [numIds, dim] = this.table.shape as [number, number];
    if (grad.shape[0] !== ids.length || grad.shape[1] !== dim) {
      throw new Error(`SparseSignSgd: gradient shape [${grad.shape.join(", ")}] does not match ${ids.length} ids x dim ${dim}.`);
    }
    if (ids.length === 0) return;
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    const slot = new Map(unique.map((id, i) => [id, i]));
    for (const id of unique) {
      if (id < 0 || id >= numIds) throw new Error(`SparseSignSgd: puzzle id ${id} is outside the table (0..${numIds - 1}).`);
    }
    // Segment matrix S [U, B] with S[u, b] = 1 when row b has the u-th id: S . grad sums the rows per id.
    const seg = new Float32Array(unique.length * ids.length);
    ids.forEach((id, b) => {
      seg[(slot.get(id) ?? 0) * ids.length + b] = 1;
    });
    tf.tidy(() => {
      const summed = tf.matMul(tf.tensor2d(seg, [unique.length, ids.length]), grad);
      const index = tf.tensor1d(unique, "int32");
      const rows = tf.gather(this.table, index);
      const updated = tf.sub(tf.mul(rows, 1 - lr * this.weightDecay), tf.mul(tf.sign(summed), lr));
      this.table.assign(tf.tensorScatterUpdate(this.table, tf.reshape(index, [unique.length, 1]), updated));
    });
  }
}
