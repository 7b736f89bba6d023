// The few ONNX messages an exported surrogate needs, with their field numbers from onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto,
// TensorShapeProto, OperatorSetIdProto).

enum ONNXType {
    static let double = 11
    static let int64 = 7
}

/// A tensor constant (TensorProto: dims 1, data_type 2, name 8, raw_data 9).
struct ONNXTensor {
    var name: String
    var shape: [Int]
    var elementType: Int
    var raw: [UInt8]

    static func doubles(_ name: String, _ values: [Double], shape: [Int]) -> ONNXTensor {
        precondition(values.count == shape.reduce(1, *), "tensor \(name): \(values.count) values for shape \(shape)")
        return ONNXTensor(name: name, shape: shape, elementType: ONNXType.double, raw: ProtoMessage.littleEndian(values))
    }

    static func ints(_ name: String, _ values: [Int]) -> ONNXTensor {
        ONNXTensor(name: name, shape: [values.count], elementType: ONNXType.int64, raw: ProtoMessage.littleEndian(values))
    }

    var proto: ProtoMessage {
        var m = ProtoMessage()
        m.packedInts(1, shape)
        m.int(2, elementType)
        m.string(8, name)
        m.bytes(9, raw)
        return m
    }
}

/// A node (NodeProto: input 1, output 2, name 3, op_type 4, attribute 5); attributes are lists
/// of ints (AttributeProto: name 1, ints 8, type 20 = INTS), all this graph uses.
struct ONNXNode {
    var op: String
    var inputs: [String]
    var outputs: [String]
    var name: String
    var intListAttributes: [(name: String, values: [Int])] = []

    var proto: ProtoMessage {
        var m = ProtoMessage()
        for i in inputs { m.string(1, i) }
        for o in outputs { m.string(2, o) }
        m.string(3, name)
        m.string(4, op)
        for a in intListAttributes {
            var attr = ProtoMessage()
            attr.string(1, a.name)
            attr.packedInts(8, a.values)
            attr.int(20, 7)
            m.message(5, attr)
        }
        return m
    }
}

/// A graph input or output: a float64 tensor whose dimensions are sizes or symbolic names
/// (ValueInfoProto name 1, type 2; TypeProto.tensor_type 1; elem_type 1, shape 2; dim 1;
/// dim_value 1, dim_param 2).
struct ONNXValueInfo {
    enum Dimension { case size(Int), symbol(String) }
    var name: String
    var dimensions: [Dimension]

    var proto: ProtoMessage {
        var shape = ProtoMessage()
        for d in dimensions {
            var dim = ProtoMessage()
            switch d {
            case let .size(n): dim.int(1, n)
            case let .symbol(s): dim.string(2, s)
            }
            shape.message(1, dim)
        }
        var tensor = ProtoMessage()
        tensor.int(1, ONNXType.double)
        tensor.message(2, shape)
        var type = ProtoMessage()
        type.message(1, tensor)
        var m = ProtoMessage()
        m.string(1, name)
        m.message(2, type)
        return m
    }
}

/// A whole model (ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6,
/// graph 7, opset_import 8; GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11,
/// output 12; OperatorSetIdProto: domain 1, version 2).
struct ONNXModel {
    static let irVersion = 7
    static let opset = 13
    var graphName: String
    var documentation: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensor]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]
    var producerVersion: String

    func serialized() -> [UInt8] {
        var graph = ProtoMessage()
        for n in nodes { graph.message(1, n.proto) }
        graph.string(2, graphName)
        for t in initializers { graph.message(5, t.proto) }
        graph.string(10, documentation)
        for i in inputs { graph.message(11, i.proto) }
        for o in outputs { graph.message(12, o.proto) }
        var opset = ProtoMessage()
        opset.string(1, "")
        opset.int(2, ONNXModel.opset)
        var model = ProtoMessage()
        model.int(1, ONNXModel.irVersion)
        model.string(2, "sobolev")
        model.string(3, producerVersion)
        model.string(6, documentation)
        model.message(7, graph)
        model.message(8, opset)
        return model.bytes
    }
}
