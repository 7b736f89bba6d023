// A fully connected network z_l = W_l h_{l-1} + b_l, h_l = phi(s_l z_l) for hidden layers and a
// linear output layer. All parameters live in one flat float64 vector so that optimizers,
// weighting schemes and the MPI all-reduce see one contiguous buffer.
import Foundation

/// Where one layer's parameters sit in the flat parameter vector.
public struct LayerSlice: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    /// Offset of W (outputs x inputs, row-major) in the parameter vector.
    public let weightOffset: Int
    /// Offset of b (outputs) in the parameter vector.
    public let biasOffset: Int
    public var weightCount: Int { inputs * outputs }
}

/// Architecture of an MLP: layer widths from input to output, the hidden activation, and the
/// optional adaptive slope (Jagtap, Kawaguchi & Karniadakis 2020): h = phi(n a z) with one
/// trainable a per hidden layer and fixed scale n, a initialised so that n a = 1.
public struct MLPArchitecture: Sendable, Equatable {
    public var layerSizes: [Int]
    public var activation: Activation
    /// Fixed scale n of the adaptive activation; nil for the plain activation phi(z).
    public var adaptiveScale: Double?

    public init(layerSizes: [Int], activation: Activation, adaptiveScale: Double? = nil) {
        precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }, "an MLP needs >= 2 positive layer sizes")
        self.layerSizes = layerSizes; self.activation = activation; self.adaptiveScale = adaptiveScale
    }

    /// d inputs, `depth` hidden layers of `width`, m outputs.
    public init(inputs: Int, outputs: Int, depth: Int, width: Int, activation: Activation, adaptiveScale: Double? = nil) {
        self.init(layerSizes: [inputs] + Array(repeating: width, count: depth) + [outputs],
                  activation: activation, adaptiveScale: adaptiveScale)
    }

    public var inputDimension: Int { layerSizes.first! }
    public var outputDimension: Int { layerSizes.last! }
    public var layerCount: Int { layerSizes.count - 1 }
    public var hiddenLayerCount: Int { layerSizes.count - 2 }

    public var layers: [LayerSlice] {
        var offset = 0
        return (0..<layerCount).map { l in
            let s = LayerSlice(inputs: layerSizes[l], outputs: layerSizes[l + 1], weightOffset: offset,
                               biasOffset: offset + layerSizes[l] * layerSizes[l + 1])
            offset = s.biasOffset + s.outputs
            return s
        }
    }

    /// Offset of the adaptive slopes a_1..a_{L-1} (after all weights and biases).
    public var slopeOffset: Int { layers.last.map { $0.biasOffset + $0.outputs } ?? 0 }

    public var parameterCount: Int { slopeOffset + (adaptiveScale == nil ? 0 : hiddenLayerCount) }

    /// Names of the parameter arrays in storage order (W0, b0, W1, ..., and `slopes`).
    public var parameterArrayNames: [String] {
        var names = (0..<layerCount).flatMap { ["W\($0)", "b\($0)"] }
        if adaptiveScale != nil { names.append("slopes") }
        return names
    }

    /// (offset, count, shape) of each parameter array, in the order of `parameterArrayNames`.
    public var parameterArrays: [(name: String, offset: Int, shape: [Int])] {
        var out: [(String, Int, [Int])] = []
        for (l, s) in layers.enumerated() {
            out.append(("W\(l)", s.weightOffset, [s.outputs, s.inputs]))
            out.append(("b\(l)", s.biasOffset, [s.outputs]))
        }
        if adaptiveScale != nil { out.append(("slopes", slopeOffset, [hiddenLayerCount])) }
        return out
    }

    /// Glorot (Xavier) uniform weights W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)), zero
    /// biases, slopes a = 1/n; drawn from the run's seed on its own "init" stream.
    public func glorotUniformParameters(seed: UInt64) -> [Double] {
        var rng = SeededRNG(seed: seed, stream: "init")
        var p = [Double](repeating: 0, count: parameterCount)
        for s in layers {
            let r = (6.0 / Double(s.inputs + s.outputs)).squareRoot()
            for i in 0..<s.weightCount { p[s.weightOffset + i] = rng.uniform(-r, r) }
        }
        if let n = adaptiveScale { for l in 0..<hiddenLayerCount { p[slopeOffset + l] = 1 / n } }
        return p
    }
}
