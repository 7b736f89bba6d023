// loss.alpha means three things (lra's and relobralo's smoothing, gradnorm's restoring force):
// each of those schemes has its own key, and the shared key still works with a deprecation note.
import Testing
@testable import SobolevExperiment

@Suite("Per-scheme constant keys")
struct PerSchemeKeyTests {
    func alphas(_ e: Experiment) -> [String: Double] {
        Dictionary(e.runs.map { ($0.label, $0.values["loss.alpha"]!.doubleValue!) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("loss.<scheme>_alpha reaches only its scheme; the run stores loss.alpha with the same id as the old spelling")
    func perSchemeKey() throws {
        let e = try parse("loss:\n  scheme: [lra, relobralo]\n  lra_alpha: 0.5\n")
        #expect(e.runs.count == 2 && e.warnings.isEmpty)
        let lra = try #require(e.runs.first { $0.values["loss.scheme"] == .string("lra") })
        let relobralo = try #require(e.runs.first { $0.values["loss.scheme"] == .string("relobralo") })
        #expect(lra.values["loss.alpha"] == .double(0.5) && relobralo.values["loss.alpha"] == .double(0.95))
        #expect(lra.values["loss.lra_alpha"] == nil)
        let old = try parse("loss:\n  scheme: lra\n  alpha: 0.5\n")
        #expect(old.runs[0].id == lra.id)
        #expect(RunConfig(lra).loss.constants.values["alpha"] == .number(0.5))
    }

    @Test("a per-scheme axis labels its own scheme's runs; the other scheme's runs are kept once")
    func perSchemeAxis() throws {
        let e = try parse("loss:\n  scheme: [lra, gradnorm]\n  lra_alpha: [0.5, 0.9]\n")
        #expect(e.runs.count == 3)
        #expect(Set(e.runs.map(\.label)) == ["loss.scheme=lra loss.lra_alpha=0.5 seed=0", "loss.scheme=lra loss.lra_alpha=0.9 seed=0", "loss.scheme=gradnorm seed=0"])
    }

    @Test("the shared key still works for every scheme of the grid, with a note naming the new keys")
    func deprecatedSharedKey() throws {
        let e = try parse("loss:\n  scheme: [lra, gradnorm]\n  alpha: 0.7\n")
        #expect(e.runs.allSatisfy { $0.values["loss.alpha"] == .double(0.7) })
        #expect(e.warnings.count == 1)
        #expect(e.warnings[0].contains("exp.yaml:3: loss.alpha is deprecated") && e.warnings[0].contains("loss.lra_alpha, loss.relobralo_alpha, loss.gradnorm_alpha"))
    }

    @Test("errors: a per-scheme key its grid does not read, both spellings at once, a value outside the scheme's range")
    func errors() {
        #expect(errorOf("loss:\n  scheme: relobralo\n  lra_alpha: 0.5\n").contains("loss.lra_alpha: 0.5 does not apply: loss.lra_alpha is read only with loss.scheme lra"))
        #expect(errorOf("loss:\n  scheme: lra\n  alpha: 0.5\n  lra_alpha: 0.5\n").contains("not both"))
        let range = errorOf("loss:\n  scheme: lra\n  lra_alpha: 1.5\n")
        #expect(range.contains("exp.yaml:3: loss.lra_alpha:") && range.contains("expected a number in (0, 1]"), "\(range)")
    }
}
