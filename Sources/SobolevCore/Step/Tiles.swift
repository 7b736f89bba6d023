// Tiles: the step's passes take the batch in tiles of samples, each through all layers, so that
// element-wise passes find what the GEMM before them wrote still in cache (docs/design.md, "Tiles").

extension SobolevStep {
    /// Samples per tile of a pass with `blocks` tangent blocks: the tile's rows of the widest
    /// layer, all blocks, hold `tileElements` doubles (512 KB, a quarter of the L2 cache of the
    /// cores we measure on), so that what a GEMM writes is still in cache when the element-wise
    /// pass after it reads it (from memory, such a pass is 4-5x slower). At least 64 rows, and a
    /// row per 1024 elements of the largest weight matrix: each tile's GEMMs pack the weights
    /// again, and weights larger than L2 come from memory each time; and at least `least` (the
    /// Hessian steps ask for 256). A function of the shapes alone, not of the machine: the tiles
    /// decide summation orders, and a seed gives the same bits everywhere (docs/design.md, "Tiles").
    static let tileElements = 65_536
    static func tileSamples(_ architecture: MLPArchitecture, batch B: Int, blocks: Int, least fewest: Int = 64) -> Int {
        let sizes = architecture.layerSizes
        var weights = 0
        for l in 1..<sizes.count { weights = max(weights, sizes[l - 1] * sizes[l]) }
        let least = max(fewest, weights / 1024)
        // A multiple of 16 rows: OpenBLAS computes rows in blocks of 16 (8 on older kernels) and
        // the last rows of a product by other kernels, so tiles that start on a block keep the
        // value rows of a forward product the bits of one product over the whole batch.
        return min(B, max(least, tileElements / ((1 + blocks) * sizes.max()!)) / 16 * 16)
    }
}

/// The samples lo..<hi of a batch of B that the passes take through all layers at once. In the
/// batch's layout block b (0: the value rows, then the tangent blocks) has rows b B + lo ..<
/// b B + hi; in a tile's own layout (`TileRows.local`) rows b n ..< (b + 1) n.
struct Tile {
    let samples: Range<Int>, B: Int
    var lo: Int { samples.lowerBound }
    var n: Int { samples.count }
    var isWholeBatch: Bool { n == B }
    /// First row of block b in the batch's layout.
    func row(_ b: Int) -> Int { b * B + lo }
    /// body(b, rows) for each block of `blocks`, or once for all of them (from the first, rows of
    /// them all) when `merged`: every operand's rows are then contiguous across the blocks.
    func runs(_ blocks: Range<Int>, merged: Bool, _ body: (Int, Int) -> Void) {
        if merged { if !blocks.isEmpty { body(blocks.lowerBound, blocks.count * n) } }
        else { for b in blocks { body(b, n) } }
    }
}

/// Rows of a tile in a buffer: in the batch's layout, or in the tile's own (`local`).
struct TileRows {
    let base: UnsafeMutablePointer<Double>, local: Bool
    func block(_ b: Int, _ tile: Tile, width: Int) -> UnsafeMutablePointer<Double> {
        base + (local ? b * tile.n : tile.row(b)) * width
    }
    /// Elements from one block's rows to the next's.
    func blockStride(_ tile: Tile, width: Int) -> Int { (local ? tile.n : tile.B) * width }
}

/// Per-term channel rows of a tile: T value rows per sample (row k T + t), then blocks of one
/// row per sample (the tangent channels, then the shared reverse channels), in the batch's
/// layout (blocks of B rows, from sample lo) or in the tile's own (`local`: blocks of n rows).
struct ChannelRows {
    let base: UnsafeMutablePointer<Double>, local: Bool, T: Int
    func values(_ tile: Tile, width: Int) -> UnsafeMutablePointer<Double> {
        base + (local ? 0 : tile.lo * T) * width
    }
    /// Block r after the value rows.
    func block(_ r: Int, _ tile: Tile, width: Int) -> UnsafeMutablePointer<Double> {
        let S = local ? tile.n : tile.B
        return base + (T * S + r * S + (local ? 0 : tile.lo)) * width
    }
}
