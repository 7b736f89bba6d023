// The data file `sobolev data` writes: the dataset format (X, Y, dY) plus what made it and what
// it cost (docs/results-format.md, "Data files").
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevHDF5

/// What generating the data cost, for the surrogate's break-even.
public struct DataTiming: Sendable {
    /// Seconds per sample, measured around each evaluation (each FE solve with sensitivities).
    public var solveTimes: [Double]
    /// Ranks of the command that finished the file.
    public var ranks: Int
    /// Samples taken over from part files of an earlier, interrupted command.
    public var resumedSamples: Int

    public var perSample: Double { solveTimes.reduce(0, +) / Double(max(solveTimes.count, 1)) }
}

enum DataOutput {
    /// Writes `data` to a new file at `job.request.out` (never overwrites). `wall` gives the
    /// command's elapsed seconds when it is called, at the end of writing.
    static func write(_ data: Dataset, job: DataJob, timing: DataTiming, wall: () -> Double) throws {
        let p = job.problem
        try DatasetFile.write(data, to: job.request.out) { f in
            try f.setAttribute("problem", p.name)
            try f.setAttribute("sampler", job.sampler.kind.rawValue)
            try f.setAttribute("seed", job.request.seed)
            try f.setAttribute("samples", data.count)
            let (v, g) = (DataJob.describe(job.valueNoise), DataJob.describe(job.gradNoise))
            try f.setAttribute("noise", v == "none" && g == "none" ? "none" : "values \(v), gradients \(g)")
            try f.setAttribute("value_noise", v)
            try f.setAttribute("grad_noise", g)
            try f.setAttribute("input_names", p.inputNames)
            try f.setAttribute("output_names", p.outputNames)
            try f.setAttribute("domain_lower", p.domain.map(\.lowerBound))
            try f.setAttribute("domain_upper", p.domain.map(\.upperBound))
            try p.writeAttributes(f)
            try f.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
            try f.write("solve_time", timing.solveTimes).setAttribute("units", "s")
            try f.setAttribute("simulation_time_per_sample", timing.perSample)
            try f.setAttribute("total_solve_time", timing.solveTimes.reduce(0, +))
            try f.setAttribute("ranks", timing.ranks)
            try f.setAttribute("resumed_samples", timing.resumedSamples)
            try f.setAttribute("data_generation_time", wall())   // last: the whole command up to here
        }
    }
}
