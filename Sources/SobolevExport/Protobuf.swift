// The protobuf wire format, only as much as writing an ONNX model needs: varints, 64-bit
// little-endian doubles, length-delimited fields (strings, bytes, nested messages) and packed
// repeated int64. Fields are written in the order given; readers accept any order.
import Foundation

/// One protobuf message being written.
struct ProtoMessage {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    private mutating func key(_ field: Int, wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// int32, int64 and enum fields (negative numbers take ten bytes, as protobuf specifies).
    mutating func int(_ field: Int, _ value: Int) {
        key(field, wireType: 0); varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wireType: 2); varint(UInt64(value.count)); bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ value: ProtoMessage) { bytes(field, value.bytes) }

    /// A packed repeated int64 field.
    mutating func packedInts(_ field: Int, _ values: [Int]) {
        var inner = ProtoMessage()
        for v in values { inner.varint(UInt64(bitPattern: Int64(v))) }
        bytes(field, inner.bytes)
    }

    /// Doubles as raw little-endian IEEE 754 bytes (exact).
    static func littleEndian(_ values: [Double]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static func littleEndian(_ values: [Int]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) } }
    }
}
