// Directional derivatives (docs/design.md, "Directional terms"). A sample may carry k directions
// v_i1..v_ik (rows of V, n x k x d) and the derivatives J(x_i) v_ic (JV, n x m x k); the loss
// adds one term per direction index c,
//     S_dir_c = 1/2 sum_i ||J(x_i) v_ic - JV_ic||^2,
// which is a Jacobian term whose forward tangent is seeded with v_ic instead of a unit vector e_j.
// The step therefore runs "tangent blocks": first the d unit blocks of the Jacobian terms (when
// the data has dY), then the k direction blocks, and every per-block formula of the step applies.
//
// Stochastic Sobolev training (`projections`): with full dY, each step draws k uniform unit
// directions per sample and fits J v to dY v; since E[v v^T] = I/d, the expected projected loss is
// k/d times the full Jacobian loss, at the cost of k tangents instead of d.

extension Dataset {
    /// Whether the samples carry directions and directional derivatives.
    public var hasDirections: Bool { directions != nil }

    /// The tangent blocks of a Sobolev step on this data: d unit blocks with dY, then k directions.
    public var tangentBlockCount: Int { (hasJacobians ? inputDimension : 0) + directionCount }
    /// The tangent blocks seeded with unit vectors e_j (the first ones): d with Jacobians.
    public var unitBlockCount: Int { hasJacobians ? inputDimension : 0 }

    /// The target of output o's tangent in block b at sample i: dY_i[o, b] for a unit block,
    /// JV_i[o, c] for direction block c.
    @inline(__always) func tangentTarget(_ i: Int, _ o: Int, _ b: Int) -> Double {
        let m = outputDimension, d = inputDimension, unit = hasJacobians ? d : 0
        return b < unit ? jacobians![(i * m + o) * d + b]
                        : directionalDerivatives![(i * m + o) * directionCount + (b - unit)]
    }

    /// body(t, stride) with the targets of tangent block b: output o of sample i at
    /// t[(i * m + o) * stride] (the same numbers as `tangentTarget`, for loops over a block).
    func withTangentTargets<R>(block b: Int, _ body: (UnsafePointer<Double>, Int) -> R) -> R {
        let unit = hasJacobians ? inputDimension : 0
        let (targets, first, stride) = b < unit ? (jacobians!, b, inputDimension)
                                                : (directionalDerivatives!, b - unit, directionCount)
        return targets.withUnsafeBufferPointer { body($0.baseAddress! + first, stride) }
    }

    /// Writes the tangent blocks' input rows (block b, sample i at row b B + i of d entries): e_b
    /// for the unit blocks, v_ic for the direction blocks.
    func seedTangents(_ t: UnsafeMutablePointer<Double>) {
        let B = count, d = inputDimension, unit = hasJacobians ? d : 0, k = directionCount
        t.update(repeating: 0, count: tangentBlockCount * B * d)
        for j in 0..<unit { for i in 0..<B { t[(j * B + i) * d + j] = 1 } }
        guard let V = directions else { return }
        for c in 0..<k { for i in 0..<B { for j in 0..<d {
            t[((unit + c) * B + i) * d + j] = V[(i * k + c) * d + j]
        } } }
    }

    /// The directional derivatives J_i v_ic of given Jacobians (n x m x d) along this data's
    /// directions: n x m x k.
    public func directionalDerivatives(of jacobians: [Double]) -> [Double] {
        guard let V = directions else { return [] }
        return Dataset.project(jacobians, V, n: count, m: outputDimension, d: inputDimension, k: directionCount)
    }

    /// J_i v_ic for Jacobians J (n x m x d) and directions V (n x k x d): n x m x k.
    static func project(_ J: [Double], _ V: [Double], n: Int, m: Int, d: Int, k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * m * k)
        for i in 0..<n { for o in 0..<m { for c in 0..<k {
            var s = 0.0
            for j in 0..<d { s += J[(i * m + o) * d + j] * V[(i * k + c) * d + j] }
            out[(i * m + o) * k + c] = s
        } } }
        return out
    }

    /// Stochastic Sobolev data: this data (with dY) with k random unit directions per sample,
    /// JV = dY v, and no dY. Sample r's directions come from `ProjectionStream` with `sampleIndices[r]`,
    /// its index in the whole training set, so every rank of a group draws the same directions
    /// for a sample whatever its shard.
    public func projected(_ k: Int, stream: ProjectionStream, sampleIndices: [Int]) -> Dataset {
        precondition(hasJacobians, "projections need full Jacobians")
        precondition(sampleIndices.count == count, "one index per sample")
        let n = count, d = inputDimension
        var V = [Double](repeating: 0, count: n * k * d)
        for (i, index) in sampleIndices.enumerated() {
            var rng = stream.generator(sample: index)
            for c in 0..<k {
                let v = ProjectionStream.unitDirection(d, &rng)
                V.replaceSubrange(((i * k + c) * d)..<((i * k + c + 1) * d), with: v)
            }
        }
        let JV = Dataset.project(jacobians!, V, n: n, m: outputDimension, d: d, k: k)
        return Dataset(inputs: inputs, values: values, jacobians: nil, directions: V, directionalDerivatives: JV, directionCount: k)
    }
}

/// Where the random directions of stochastic Sobolev training come from: the run's seed, the
/// stream name "projections" and the step (a stream per step; `validation` for the fixed
/// directions of the validation losses), then the sample's index.
public struct ProjectionStream: Sendable, Equatable {
    public var seed: UInt64
    public var step: Int

    /// The stream of training step `step`.
    public init(seed: UInt64, step: Int) { self.seed = seed; self.step = step }

    /// Fixed directions for validation losses (the same at every step, so they compare).
    public static func validation(seed: UInt64) -> ProjectionStream { ProjectionStream(seed: seed, step: -1) }

    /// The generator of one sample: SplitMix-seeded from (seed, "projections", step, index).
    public func generator(sample index: Int) -> SeededRNG {
        var base = SeededRNG(seed: seed, stream: "projections")
        let a = base.next() ^ (UInt64(bitPattern: Int64(step)) &* 0x9E37_79B9_7F4A_7C15)
        var mixed = SeededRNG(seed: a)
        return SeededRNG(seed: mixed.next() ^ (UInt64(bitPattern: Int64(index)) &* 0xD1B5_4A32_D192_ED03))
    }

    /// A uniform unit vector of R^d: d standard normals, normalised.
    public static func unitDirection(_ d: Int, _ rng: inout SeededRNG) -> [Double] {
        while true {
            let v = (0..<d).map { _ in rng.normal() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-12 { return v.map { $0 / norm } }
        }
    }
}
