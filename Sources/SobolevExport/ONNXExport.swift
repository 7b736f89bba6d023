// The surrogate as an ONNX graph (opset 13, float64): input x [N, d], outputs y [N, m] and
// dydx [N, m, d]. The Jacobian is forward-mode tangents written as ordinary operators: the
// tangents of a layer are a [N, d, width] tensor, so each layer is one MatMul for the values and
// one (batched) MatMul for the d tangents, as in MLPArchitecture.predict.
import SobolevCore

public enum ONNXExport {
    public static let opset = ONNXModel.opset

    /// The serialized ModelProto.
    public static func model(_ m: ExportedModel, toolVersion: String) throws -> [UInt8] {
        guard m.architecture.hiddenLayerCount > 0 else {
            throw ExportError(message: "\(m.source): the network has no hidden layer; the ONNX export needs at least one")
        }
        var g = ONNXGraph()
        let arch = m.architecture, s = m.standardization, d = m.inputs, mo = m.outputs
        let mean = g.constant("input_mean", s.inputMean, shape: [d])
        let std = g.constant("input_std", s.inputStd, shape: [d])
        var h = g.node("Div", [g.node("Sub", ["x", mean]), std])
        // Tangents of the first layer: zt_1 = W_1 e_j, the columns of W_1 ([d, n_1], broadcast over N).
        var zt = ""
        for (l, layer) in arch.layers.enumerated() {
            let wt = g.constant("W\(l)_T", transpose(m.weights(l), rows: layer.outputs, cols: layer.inputs), shape: [layer.inputs, layer.outputs])
            let z = g.node("Add", [g.node("MatMul", [h, wt]), g.constant("b\(l)", m.biases(l), shape: [layer.outputs])])
            zt = l == 0 ? wt : g.node("MatMul", [zt, wt])
            if l == arch.layerCount - 1 {
                let ys = g.node("Mul", [g.constant("output_std", s.outputStd, shape: [mo]), z])
                _ = g.node("Add", [g.constant("output_mean", s.outputMean, shape: [mo]), ys], output: "y")
                let jt = g.node("Transpose", [zt], attributes: [("perm", [0, 2, 1])])
                _ = g.node("Mul", [jt, g.constant("jacobian_scale", m.jacobianScale, shape: [mo, d])], output: "dydx")
                break
            }
            let slope = m.slope(l).map { g.constant("slope\(l)", [$0], shape: []) }
            let u = slope.map { g.node("Mul", [$0, z]) } ?? z
            let (phi, dphi) = ONNXActivation.nodes(arch.activation, u, &g)
            let p = slope.map { g.node("Mul", [$0, dphi]) } ?? dphi
            // t_l = (s phi'(s z))[:, None, :] * zt_l: [N, 1, n] times [N, d, n] (or [d, n]).
            zt = g.node("Mul", [g.node("Unsqueeze", [p, g.axes([1])]), zt])
            h = phi
        }
        let doc = "sobolev surrogate \(m.source): y = output_mean + output_std * net((x - input_mean) / input_std), "
            + "activation \(arch.activation.rawValue), layer sizes \(arch.layerSizes)"
            + (arch.adaptiveScale.map { ", adaptive slopes (scale \($0))" } ?? "")
            + "; dydx[i, o, j] = dy_o/dx_j by forward tangents."
        return ONNXModel(graphName: "sobolev_surrogate", documentation: doc, nodes: g.nodes, initializers: g.initializers,
                         inputs: [ONNXValueInfo(name: "x", dimensions: [.symbol("N"), .size(d)])],
                         outputs: [ONNXValueInfo(name: "y", dimensions: [.symbol("N"), .size(mo)]),
                                   ONNXValueInfo(name: "dydx", dimensions: [.symbol("N"), .size(mo), .size(d)])],
                         producerVersion: toolVersion).serialized()
    }

    static func transpose(_ a: [Double], rows: Int, cols: Int) -> [Double] {
        (0..<cols).flatMap { c in (0..<rows).map { r in a[r * cols + c] } }
    }
}

/// Nodes and constants of a graph under construction, each value with a fresh name.
struct ONNXGraph {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    private var scalars: [UInt64: String] = [:]

    /// Adds `op` and returns the name of its (single) output.
    mutating func node(_ op: String, _ inputs: [String], output: String? = nil, attributes: [(String, [Int])] = []) -> String {
        let name = output ?? "t\(nodes.count)"
        nodes.append(ONNXNode(op: op, inputs: inputs, outputs: [name], name: "n\(nodes.count)_\(op)",
                              intListAttributes: attributes.map { (name: $0.0, values: $0.1) }))
        return name
    }

    mutating func constant(_ name: String, _ values: [Double], shape: [Int]) -> String {
        initializers.append(.doubles(name, values, shape: shape))
        return name
    }

    /// A float64 scalar, shared by every node that uses the same value.
    mutating func scalar(_ value: Double) -> String {
        if let name = scalars[value.bitPattern] { return name }
        let name = "c\(scalars.count)"
        scalars[value.bitPattern] = name
        return constant(name, [value], shape: [])
    }

    mutating func axes(_ values: [Int]) -> String {
        let name = "axes_" + values.map(String.init).joined(separator: "_")
        if !initializers.contains(where: { $0.name == name }) { initializers.append(.ints(name, values)) }
        return name
    }
}
