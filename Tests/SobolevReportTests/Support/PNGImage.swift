// Just enough of PNG to look at a browser screenshot: python3's zlib inflates the image data, this
// file undoes the per-row filters (8-bit RGB or RGBA, not interlaced, as Chromium writes them).
import Foundation

struct PNGImage {
    var width: Int
    var height: Int
    var channels: Int
    /// Row-major, `channels` bytes per pixel.
    var pixels: [UInt8]

    static let inflate = """
    import struct, sys, zlib
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG file'
    pos, idat = 8, []
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + n
    open(sys.argv[2], 'wb').write(zlib.decompress(b''.join(idat)))
    print(w, h, depth, colour, interlace)
    """

    static func read(_ path: String) throws -> PNGImage {
        guard let python = Command.find(["python3"]) else { throw FixtureError(description: "python3 is needed to inflate the PNG") }
        let raw = path + ".raw"
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let r = try Command.run(python, ["-c", inflate, path, raw])
        let header = r.output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard r.status == 0, header.count == 5 else { throw FixtureError(description: "cannot read \(path): \(r.error)") }
        let (w, h, depth, colour, interlace) = (header[0], header[1], header[2], header[3], header[4])
        guard depth == 8, colour == 2 || colour == 6, interlace == 0 else {
            throw FixtureError(description: "\(path): unsupported PNG (depth \(depth), colour type \(colour), interlace \(interlace))")
        }
        let channels = colour == 2 ? 3 : 4
        let filtered = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        guard filtered.count == h * (1 + w * channels) else { throw FixtureError(description: "\(path): image data has the wrong size") }
        return PNGImage(width: w, height: h, channels: channels, pixels: unfilter(filtered, width: w, height: h, channels: channels))
    }

    /// Reverses the five PNG row filters (None, Sub, Up, Average, Paeth).
    static func unfilter(_ data: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: height * stride)
        out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { d in
                for y in 0..<height {
                    let filter = d[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride
                    for i in 0..<stride {
                        let a = i >= channels ? Int(o[row + i - channels]) : 0
                        let b = y > 0 ? Int(o[row - stride + i]) : 0
                        let c = (i >= channels && y > 0) ? Int(o[row - stride + i - channels]) : 0
                        let predictor: Int
                        switch filter {
                        case 1: predictor = a
                        case 2: predictor = b
                        case 3: predictor = (a + b) / 2
                        case 4:
                            let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                            predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                        default: predictor = 0
                        }
                        o[row + i] = UInt8(truncatingIfNeeded: Int(d[src + i]) + predictor)
                    }
                }
            }
        }
        return out
    }

    func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) {
        let i = (y * width + x) * channels
        return (Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2]))
    }
}
