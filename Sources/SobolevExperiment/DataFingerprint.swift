// The content of an experiment's data files, recorded in its results file: resuming onto results
// trained on other data would keep them as if they were this data's (the run ids hash the
// configuration, not the data).
import Foundation

public enum DataFingerprint {
    /// The prefix of the fingerprints this reader writes (others are not compared).
    public static let scheme = "content64:"
    /// "content64:<16 hex digits>" of what a run reads from the file: X, Y and, when read, dY,
    /// d2Y, V, JV (their shapes and every double's bits) and the file's own index sets. The data,
    /// not the file's bytes: the same data written again (other timestamps) keep it. A change
    /// detector, not a cryptographic hash.
    public static func of(_ source: DatasetSource, baseDirectory: String) throws -> String {
        let (data, split) = try UserDataset.read(source, path: source.path(baseDirectory: baseDirectory))
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ word: UInt64) {
            // splitmix64's finaliser on each word, then FNV-1a's step: every bit of a word reaches all of h.
            var z = word &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            h = (h ^ (z ^ (z >> 31))) &* 0x0000_0100_0000_01B3
        }
        func add(_ tag: UInt64, _ values: [Double]?) {
            mix(tag); mix(UInt64(values?.count ?? 0))
            for v in values ?? [] { mix(v.bitPattern) }
        }
        mix(UInt64(data.count)); mix(UInt64(data.inputDimension)); mix(UInt64(data.outputDimension))
        add(1, data.inputs.data); add(2, data.values.data); add(3, data.jacobians); add(4, data.hessians)
        add(5, data.directions); add(6, data.directionalDerivatives)
        for (tag, set) in [(7, split?.train), (8, split?.validation), (9, split?.test)] as [(UInt64, [Int]?)] {
            add(tag, set.map { $0.map(Double.init) })
        }
        return scheme + String(format: "%016llx", h)
    }
}

extension Experiment {
    /// The data files the runs read (relative paths resolved; one entry per way of reading a
    /// file, `dataReads`) and their fingerprints, in order.
    public func dataFingerprints() throws -> (files: [String], hashes: [String]) {
        let reads = dataReads
        return (reads.map { $0.source.path(baseDirectory: $0.baseDirectory) },
                try reads.map { try DataFingerprint.of($0.source, baseDirectory: $0.baseDirectory) })
    }
}
