// The part files of `sobolev data`: each finished block of samples is its own small HDF5 file,
//
//   OUT.parts/chunk-<start>.h5    samples [start, start + count), written whole under a
//                                  temporary name and renamed, so a kill never leaves half a chunk
//
// so that a killed job loses at most the chunks in flight. Every chunk carries the signature of
// the command that made it (problem, settings, samples, sampler, seed): a rerun reuses only
// chunks of the same command.
import Foundation
import SobolevHDF5

/// One finished block of samples [start, start + count).
public struct DataChunk: Sendable, Equatable {
    public var start: Int
    /// count x d, row-major.
    public var inputs: [Double]
    /// count x m.
    public var values: [Double]
    /// count x m x d (`jacobians[(i * m + o) * d + j]` = dY_o/dx_j).
    public var jacobians: [Double]
    /// count x m x d x d (`hessians[((i * m + o) * d + j) * d + k]`), when the command writes them.
    public var hessians: [Double]?
    /// Seconds spent evaluating each sample (the FE solve with sensitivities for the hook).
    public var solveTimes: [Double]

    public init(start: Int, inputs: [Double], values: [Double], jacobians: [Double], hessians: [Double]? = nil, solveTimes: [Double]) {
        self.start = start; self.inputs = inputs; self.values = values
        self.jacobians = jacobians; self.hessians = hessians; self.solveTimes = solveTimes
    }

    public var count: Int { solveTimes.count }
    public var range: Range<Int> { start..<(start + count) }
}

public struct DataChunkStore: Sendable {
    /// The data file the chunks will be merged into.
    public let out: String
    /// Identifies the command that makes the chunks; chunks with another signature are refused.
    public let signature: String
    public let inputDimension: Int
    public let outputDimension: Int
    /// Whether every chunk holds d2Y.
    public let hessians: Bool

    public init(out: String, signature: String, inputDimension: Int, outputDimension: Int, hessians: Bool = false) {
        self.out = out; self.signature = signature
        self.inputDimension = inputDimension; self.outputDimension = outputDimension; self.hessians = hessians
    }

    public var directory: String { out + ".parts" }

    public func path(start: Int) -> String { directory + "/chunk-\(start).h5" }

    /// Writes one chunk (atomically; an older chunk of the same start is replaced).
    public func save(_ chunk: DataChunk) throws {
        let (d, m, n) = (inputDimension, outputDimension, chunk.count)
        precondition(chunk.inputs.count == n * d && chunk.values.count == n * m && chunk.jacobians.count == n * m * d
                     && (chunk.hessians?.count ?? 0) == (hessians ? n * m * d * d : 0),
                     "chunk at \(chunk.start): arrays do not match \(n) samples")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try H5File.writeAtomically(path(start: chunk.start), replace: true) { f in
            try f.setAttribute("format", "sobolev-dataset-chunk")
            try f.setAttribute("signature", signature)
            try f.setAttribute("start", chunk.start)
            try f.setAttribute("count", n)
            try f.write("X", chunk.inputs, shape: [n, d], compress: false)
            try f.write("Y", chunk.values, shape: [n, m], compress: false)
            try f.write("dY", chunk.jacobians, shape: [n, m, d], compress: false)
            if let h = chunk.hessians { try f.write("d2Y", h, shape: [n, m, d, d], compress: false) }
            try f.write("solve_time", chunk.solveTimes, compress: false)
        }
    }

    /// Paths of the finished chunk files (temporaries excluded), in no particular order.
    public func chunkFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            name.hasPrefix("chunk-") && name.hasSuffix(".h5") && Int(name.dropFirst(6).dropLast(3)) != nil
        }.map { directory + "/" + $0 }
    }

    /// Every finished chunk, sorted by start. A chunk of another command (signature), of
    /// other dimensions, or beyond `samples` is an error naming its file.
    public func stored(samples: Int) throws -> [DataChunk] {
        try chunkFiles().map { try read($0, samples: samples) }.sorted { $0.start < $1.start }
    }

    func read(_ file: String, samples: Int) throws -> DataChunk {
        func bad(_ message: String) -> HDF5Error { HDF5Error(file: file, object: "", message: message) }
        let f = try H5File.open(file)
        guard f.hasAttribute("signature"), try f.scalarStringAttribute("signature") == signature else {
            let theirs = (try? f.scalarStringAttribute("signature")) ?? "unknown"
            throw bad("was made by another data command (\(theirs)), not by this one (\(signature)); use another --out or delete \(directory)")
        }
        let start = try f.intAttribute("start").first ?? -1
        let count = try f.intAttribute("count").first ?? -1
        let (d, m) = (inputDimension, outputDimension)
        let x = try f.read("X"), y = try f.read("Y"), dy = try f.read("dY"), t = try f.read("solve_time")
        let d2y = hessians && f.contains("d2Y") ? try f.read("d2Y") : nil
        guard start >= 0, count >= 1, start + count <= samples,
              x.shape == [count, d], y.shape == [count, m], dy.shape == [count, m, d], t.shape == [count],
              !hessians || d2y?.shape == [count, m, d, d] else {
            throw bad("does not hold samples \(start)..<\(start + count) of \(samples) with \(d) inputs and \(m) outputs (X \(x.shape), Y \(y.shape), dY \(dy.shape)\(hessians ? ", d2Y \(d2y?.shape.description ?? "missing")" : ""))")
        }
        return DataChunk(start: start, inputs: x.values, values: y.values, jacobians: dy.values, hessians: d2y?.values, solveTimes: t.values)
    }

    /// Deletes temporary files of writers that were killed (never a finished file).
    public func removeStaleTemporaries() {
        TemporaryFiles.removeStale(of: out)
        TemporaryFiles.removeStale(in: directory, extensions: [".h5"])
    }

    /// Deletes every chunk and the parts folder (once the data file holds them).
    public func removeAll() {
        for file in chunkFiles() { try? FileManager.default.removeItem(atPath: file) }
        removeStaleTemporaries()
        if let left = try? FileManager.default.contentsOfDirectory(atPath: directory), left.isEmpty {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
