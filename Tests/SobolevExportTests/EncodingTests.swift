// The two encodings the exports rest on: protobuf's wire format and C's hex-float literals.
import Foundation
import Testing
@testable import SobolevCore
@testable import SobolevExport

@Suite struct EncodingTests {
    @Test func varintsAndLengthDelimitedFieldsFollowTheProtobufSpecification() {
        // The protobuf documentation's examples: field 1 = 150 is 08 96 01; field 2 = "testing".
        var m = ProtoMessage()
        m.int(1, 150)
        m.string(2, "testing")
        #expect(m.bytes == [0x08, 0x96, 0x01, 0x12, 0x07] + Array("testing".utf8))
        var negative = ProtoMessage()
        negative.int(3, -1)
        #expect(negative.bytes == [0x18] + Array(repeating: 0xff, count: 9) + [0x01])
        var packed = ProtoMessage()
        packed.packedInts(4, [3, 270, 86942])
        #expect(packed.bytes == [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05])
    }

    @Test func doublesAreWrittenLittleEndianBitForBit() {
        #expect(ProtoMessage.littleEndian([1.0]) == [0, 0, 0, 0, 0, 0, 0xf0, 0x3f])
        #expect(ProtoMessage.littleEndian([-2.5]) == [0, 0, 0, 0, 0, 0, 0x04, 0xc0])
    }

    @Test func hexFloatLiteralsReadBackExactly() {
        #expect(HexFloat.literal(3) == "0x1.8p+1")
        #expect(HexFloat.literal(-0.0) == "-0x0p+0")
        #expect(HexFloat.literal(1) == "0x1p+0")
        #expect(HexFloat.literal(.leastNonzeroMagnitude) == "0x0.0000000000001p-1022")
        var rng = SeededRNG(seed: 7, stream: "hex")
        let special: [Double] = [.pi, -.ulpOfOne, .greatestFiniteMagnitude, .leastNormalMagnitude, 0.1, 0x1.23p-1030, -123456.789]
        for v in special + (0..<2000).map({ _ in rng.uniform(-1, 1) * Foundation.pow(10, rng.uniform(-300, 300)) }) {
            let text = HexFloat.literal(v)
            #expect(Double(text).map { $0.bitPattern } == v.bitPattern, "\(v) -> \(text)")
        }
    }

    @Test func cNamesMustBeIdentifiers() {
        #expect(CExport.isIdentifier("hook_surrogate"))
        #expect(CExport.isIdentifier("_m2"))
        #expect(!CExport.isIdentifier("2model"))
        #expect(!CExport.isIdentifier("my-model"))
        #expect(!CExport.isIdentifier(""))
        #expect(!CExport.isIdentifier("modèle"))
    }
}
