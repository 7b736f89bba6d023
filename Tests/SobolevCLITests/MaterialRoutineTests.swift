// The material-routine examples of docs/surrogates.md, taken from the document as they are: a
// surrogate of plane-stress linear elasticity (strain -> stress, tangent as derivative data) is
// exported to C and called from C and from Fortran through iso_c_binding; stress and tangent must
// equal `sobolev predict` to 1e-13.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5

@Suite struct MaterialRoutineTests {
    /// The fenced blocks of `language` in docs/surrogates.md.
    static func examples(_ language: String) throws -> [String] {
        let doc = try String(contentsOfFile: packageRoot + "/docs/surrogates.md", encoding: .utf8)
        return doc.components(separatedBy: "```" + language + "\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] + "\n" }
    }

    /// Plane stress, E = 200, nu = 0.3: sigma = C eps (Voigt: e11, e22, g12), with dsigma/deps = C.
    static var elasticityCSV: String {
        let e = 200.0, nu = 0.3, f = e / (1 - nu * nu)
        let c = [[f, f * nu, 0], [f * nu, f, 0], [0, 0, f * (1 - nu) / 2]]
        let names = ["s11", "s22", "s12"], inputs = ["e11", "e22", "g12"]
        var rows = [(inputs + names + names.flatMap { o in inputs.map { "d\(o)/d\($0)" } }).joined(separator: ",")]
        for i in 0..<4 { for j in 0..<4 { for k in 0..<3 {
            let eps = [-1e-3 + 6.6e-4 * Double(i), -1e-3 + 6.6e-4 * Double(j), -5e-4 + 5e-4 * Double(k)]
            let sigma = c.map { row in zip(row, eps).map(*).reduce(0, +) }
            rows.append((eps + sigma + c.flatMap { $0 }).map { "\($0)" }.joined(separator: ","))
        } } }
        return rows.joined(separator: "\n") + "\n"
    }

    static let experiment = """
    name: material
    problem:
      name: dataset
      file: elasticity.csv
      input_columns: [e11, e22, g12]
      output_columns: [s11, s22, s12]
    model:
      depth: 1
      width: 8
      activation: softplus
    training:
      epochs: 30
    seeds: 1
    """

    static let program = """
    program check
      use material_surrogate
      use iso_c_binding, only: c_double
      implicit none
      real(c_double) :: strain(3), stress(3), tangent(3, 3)
      integer :: i, j, status
      do
        read(*, *, iostat=status) strain
        if (status /= 0) exit
        call stress_update(strain, stress, tangent)
        write(*, '(12es26.17e3)') stress, ((tangent(i, j), j = 1, 3), i = 1, 3)
      end do
    end program

    """

    @Test func fortranAndCRoutinesFromTheDocsReturnStressAndTangent() throws {
        let gfortran = which("gfortran"), cc = which("cc")
        try #require(FileManager.default.isExecutableFile(atPath: gfortran), "gfortran is needed (scripts/setup --test installs it)")
        let fortran = try Self.examples("fortran"), c = try Self.examples("c")
        let routine = try #require(c.first { $0.contains("#include \"material.h\"") }, "the C material routine of docs/surrogates.md")
        try #require(fortran.count == 1, "one Fortran example in docs/surrogates.md")
        let dir = scratchFolder()
        try Self.elasticityCSV.write(toFile: dir + "/elasticity.csv", atomically: true, encoding: .utf8)
        try Self.experiment.write(toFile: dir + "/material.yaml", atomically: true, encoding: .utf8)
        let trained = try sobolev(["run", dir + "/material.yaml", "--out", dir + "/material.h5"], in: dir)
        try #require(trained.status == 0, "\(trained.output)")
        // The command of the document.
        let exported = try sobolev(["export", "material.h5", "--format", "c", "--out", "material.c"], in: dir)
        #expect(exported.status == 0, "\(exported.output)")

        try (fortran[0] + "\n" + Self.program).write(toFile: dir + "/check.f90", atomically: true, encoding: .utf8)
        try routine.write(toFile: dir + "/routine.c", atomically: true, encoding: .utf8)
        let strict = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"]
        for (command, arguments) in [(cc, strict + ["material.c"]), (cc, strict + ["routine.c"]),
                                     (gfortran, ["-O2", "-Wall", "-o", "check", "check.f90", "material.o", "-lm"])] {
            let r = try run(command, arguments, in: dir)
            #expect(r.status == 0, "\(command) \(arguments): \(r.output)")
        }
        let strains = [[1e-3, -2e-4, 5e-4], [-8e-4, 3e-4, -1e-4], [0, 0, 0], [2e-3, 2e-3, 1e-3]]
        try strains.map { $0.map { "\($0)" }.joined(separator: ", ") }.joined(separator: "\n").write(toFile: dir + "/strains.txt", atomically: true, encoding: .utf8)
        let out = try run("/bin/sh", ["-c", "./check < strains.txt"], in: dir)
        #expect(out.status == 0, "\(out.output)")
        let numbers = out.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
        #expect(numbers.count == strains.count * 12)

        try (["e11,e22,g12"] + strains.map { $0.map { "\($0)" }.joined(separator: ",") }).joined(separator: "\n")
            .write(toFile: dir + "/strains.csv", atomically: true, encoding: .utf8)
        let predicted = try sobolev(["predict", "material.h5", "--inputs", "strains.csv", "--out", "predicted.h5", "--jacobian"], in: dir)
        #expect(predicted.status == 0, "\(predicted.output)")
        let p = try H5File.open(dir + "/predicted.h5")
        let stress = stride(from: 0, to: numbers.count, by: 12).flatMap { numbers[$0..<($0 + 3)] }
        let tangent = stride(from: 0, to: numbers.count, by: 12).flatMap { numbers[($0 + 3)..<($0 + 12)] }
        #expect(PredictTests.relativeError(stress, try p.read("Y").values) < 1e-13)
        #expect(PredictTests.relativeError(tangent, try p.read("dYdX").values) < 1e-13)
    }
}
