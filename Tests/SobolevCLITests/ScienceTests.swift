// The science check as a regression test: on the course's sine problem, Sobolev training gives a
// much lower test derivative RMSE than plain L2 training with the same budget (README figures come
// from the full experiments/sine-sobolev-vs-l2.yaml; this runs it with a shorter budget).
import Foundation
import Testing
import SobolevStore
import SobolevHDF5

@Suite("Science check")
struct ScienceTests {
    @Test("Sobolev training: >= 3x lower mean test derivative RMSE than plain L2 over 5 seeds")
    func sobolevBeatsL2() throws {
        let dir = scratchFolder()
        let exp = packageRoot + "/experiments/sine-sobolev-vs-l2.yaml"
        let r = try sobolev(["run", exp, "--out", "s.h5", "--set", "training.epochs=2000"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let runs = try H5File.open(dir + "/s.h5").openGroup("runs")
        var gradRMSE: [Double: [Double]] = [:]
        for id in try runs.childNames() {
            let g = try runs.openGroup(id)
            gradRMSE[try g.scalarDoubleAttribute("loss.lambda_grad"), default: []].append(try g.openGroup("metrics").scalarDoubleAttribute("test_grad_rmse"))
        }
        let plain = gradRMSE[0]!, sobolev = gradRMSE[1]!
        #expect(plain.count == 5 && sobolev.count == 5)
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        #expect(mean(plain) >= 3 * mean(sobolev), "plain \(plain) vs Sobolev \(sobolev)")
    }
}
