// The content of an experiment's data files, recorded in its results file: resuming onto results
// trained on other data would keep them as if they were this data's (the run ids hash the
// configuration, not the file's content).
import Foundation

public enum DataFingerprint {
    /// "fnv1a64:<16 hex digits>" of the file's bytes (FNV-1a, 64 bit: a change detector, not a
    /// cryptographic hash), read in pieces of 1 MiB.
    public static func of(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataFileError(file: path, object: "", message: "cannot read the file")
        }
        defer { try? handle.close() }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { bytes in
                for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            }
        }
        return "fnv1a64:" + String(format: "%016llx", h)
    }
}

extension Experiment {
    /// The data files the runs read (relative paths resolved) and their fingerprints, in order.
    public func dataFingerprints() throws -> (files: [String], hashes: [String]) {
        let files = Array(inputFiles.dropFirst())
        return (files, try files.map { try DataFingerprint.of(file: $0) })
    }
}
