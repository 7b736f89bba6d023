// Trained surrogates for the predict and export tests, made once per test process by the real
// binary: every activation, plain and with adaptive slopes, one output (sine) and two outputs
// (a CSV data set with named columns).
import Foundation
import SobolevCore
import SobolevStore
import SobolevHDF5

enum SurrogateFixture {
    static let activations = ["tanh", "sin", "softplus", "sigmoid", "gelu", "silu"]

    /// Sine, one input and one output, plain activations.
    static let plain = """
    name: plain
    problem:
      name: sine
      train_samples: 16
      test_samples: 20
    model:
      depth: 2
      width: 6
      activation: [\(activations.joined(separator: ", "))]
    training:
      epochs: 40
      learning_rate: 0.01
    seeds: 1
    """

    /// Two inputs u, v and two outputs f, g from a CSV file, adaptive slopes.
    static let adaptive = """
    name: adaptive
    problem:
      name: dataset
      file: surface.csv
      input_columns: [u, v]
      output_columns: [f, g]
    model:
      hidden: [7, 5]
      activation: [\(activations.joined(separator: ", "))]
      adaptive_scale: 10
    training:
      epochs: 40
      learning_rate: 0.01
    seeds: 1
    """

    /// f = sin(u) + v^2, g = u v with their derivatives, on a 6 x 6 grid.
    static var surfaceCSV: String {
        var rows = ["u,v,f,g,df/du,df/dv,dg/du,dg/dv"]
        for i in 0..<6 { for j in 0..<6 {
            let u = -1 + 0.4 * Double(i), v = -1 + 0.4 * Double(j)
            rows.append([u, v, sin(u) + v * v, u * v, cos(u), 2 * v, v, u].map { "\($0)" }.joined(separator: ","))
        } }
        return rows.joined(separator: "\n") + "\n"
    }

    struct Files {
        var folder: String
        /// Results files: sine (plain) and the CSV surface (adaptive, two outputs).
        var plain: String
        var adaptive: String
    }

    private static let made: Result<Files, Error> = Result { try make() }
    static func files() throws -> Files { try made.get() }

    private static func make() throws -> Files {
        let dir = scratchFolder("surrogates")
        try surfaceCSV.write(toFile: dir + "/surface.csv", atomically: true, encoding: .utf8)
        var out: [String] = []
        for (name, yaml) in [("plain", plain), ("adaptive", adaptive)] {
            try yaml.write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
            let r = try sobolev(["run", "\(dir)/\(name).yaml", "--out", "\(dir)/\(name).h5"], in: dir)
            guard r.status == 0 else { throw FixtureFailure(description: "sobolev run \(name) failed: \(r.output)") }
            out.append("\(dir)/\(name).h5")
        }
        return Files(folder: dir, plain: out[0], adaptive: out[1])
    }

    /// Run ids of a results file with their activation.
    static func runs(_ path: String) throws -> [(id: String, activation: String)] {
        let runs = try H5File.open(path).openGroup("runs")
        return try runs.childNames().map { id in (id, try runs.openGroup(id).scalarStringAttribute("model.activation")) }
    }

    /// Inputs in [-8, 8], well beyond the training range (every branch of every activation), as an HDF5 X.
    static func randomInputs(_ path: String, samples: Int, inputs: Int, seed: UInt64) throws -> [Double] {
        var rng = SeededRNG(seed: seed, stream: "inputs")
        let x = (0..<(samples * inputs)).map { _ in rng.uniform(-8, 8) }
        try H5File.writeAtomically(path) { f in _ = try f.write("X", x, shape: [samples, inputs]) }
        return x
    }
}

struct FixtureFailure: Error, CustomStringConvertible { var description: String }
