// Memory that a run's Sobolev steps reuse: every array of the forward and backward passes is
// allocated on first use and grown only when a larger batch (or a plan with more tangent blocks)
// arrives, so a training step allocates nothing (docs/design.md, "The step's memory").

/// A growable float64 buffer of uninitialised memory: every reader writes first.
final class StepBuffer {
    private(set) var pointer: UnsafeMutablePointer<Double>
    private(set) var capacity: Int

    /// Holds nothing until the first `reserve` (one double is allocated, none counted).
    init() { pointer = .allocate(capacity: 1); capacity = 0 }
    deinit { pointer.deallocate() }

    /// At least `count` doubles (the old contents are not kept when it grows).
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<Double> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }
}

/// The arrays of one step, per layer. Rows are laid out as in the forward pass: B value rows,
/// then `blocks` tangent blocks of B rows each (block-major).
final class StepWorkspace {
    /// Input of layer l (rows x n_l): x and the tangent seeds for l = 0, h_{l-1} and t_{l-1} above.
    let inputs: [StepBuffer]
    /// Pre-activations of layer l (rows x n_{l+1}); the last one is the network's output.
    let preactivations: [StepBuffer]
    /// phi'(s z) and phi''(s z) of each hidden layer, value rows only (B x n).
    let p1: [StepBuffer]
    let p2: [StepBuffer]
    /// phi^(3)(s z) of each hidden layer's value rows (the Hessian passes, HessianStep.swift).
    let p3: [StepBuffer]
    /// s z of the value rows when the slope is adaptive (the activation's argument).
    let scaled = StepBuffer()
    /// Backward channels at the current layer and, in place, at the next one down (G W, then the
    /// element-wise step).
    let channels = StepBuffer(), nextChannels = StepBuffer()
    /// A tile's channels below the output layer in the fused backward (with `nextChannels`).
    let tileChannels = StepBuffer()
    /// Reverse-mode input Jacobians (m blocks of B x d) and the per-term weight-gradient stack.
    let jacobian = StepBuffer(), termStack = StepBuffer()
    /// Reverse plan: the fused channels G W of each hidden layer ((1 + m) B x n): the m reverse
    /// passes leave their rows there (they are the tangent channels' rows, docs/design.md), the
    /// fused backward adds the value rows.
    let adjoints: [StepBuffer]
    /// Hessian passes: the weighted pair residuals, the pair rows contracted with them, and each
    /// sample's share of the slope gradients (summed in sample order: the same for any thread count).
    let weighted = StepBuffer(), pairInputs = StepBuffer(), slopes = StepBuffer()
    /// The weights W_l^T (n_l x n_{l+1}) of the layers whose forward products go to the small
    /// kernels (`BLAS.mayRouteTransposed`), one after the other, refreshed by each forward pass.
    let transposedWeights = StepBuffer()

    init(layerCount: Int) {
        inputs = (0..<layerCount).map { _ in StepBuffer() }
        preactivations = (0..<layerCount).map { _ in StepBuffer() }
        p1 = (0..<max(layerCount - 1, 0)).map { _ in StepBuffer() }
        p2 = (0..<max(layerCount - 1, 0)).map { _ in StepBuffer() }
        p3 = (0..<max(layerCount - 1, 0)).map { _ in StepBuffer() }
        adjoints = (0..<max(layerCount - 1, 0)).map { _ in StepBuffer() }
    }

    /// Doubles held now (for the memory figures).
    var heldCount: Int {
        (inputs + preactivations + p1 + p2 + p3 + adjoints
            + [scaled, channels, nextChannels, tileChannels, jacobian, termStack, weighted, pairInputs, slopes, transposedWeights])
            .reduce(0) { $0 + $1.capacity }
    }
}
