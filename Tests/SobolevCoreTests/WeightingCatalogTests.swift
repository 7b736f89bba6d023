// The scheme catalogue: names, defaults from the papers and NVIDIA Modulus, ranges, construction.
import Testing
@testable import SobolevCore

@Suite("Weighting catalogue")
struct WeightingCatalogTests {
    func defaults(_ scheme: String) -> [String: WeightingConstant] {
        WeightingCatalog.scheme(named: scheme)!.resolve([:]).values
    }

    @Test("every scheme is listed and builds a scheme of its name")
    func names() {
        #expect(WeightingCatalog.names == ["fixed", "lmax", "cdmin", "lra", "uncertainty", "softadapt", "relobralo", "gradnorm", "ntk"])
        let context = WeightingContext(layout: TermLayout(inputDimension: 2, hasDerivatives: true),
                                       optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), seed: 0)
        for spec in WeightingCatalog.schemes { #expect(spec.make([:], context: context).name == spec.name) }
    }

    @Test("defaults: Wang et al. (alpha 0.9, max), Modulus (ReLoBRaLo 0.95/0.99/1/1e-8, GradNorm alpha 1, eps 1e-8), NTK every 100 exact")
    func documentedDefaults() {
        #expect(defaults("fixed") == ["lambda_value": .number(1), "lambda_grad": .number(1)])
        #expect(defaults("lra") == ["alpha": .number(0.9), "statistic": .word("max"), "epsilon": .number(1e-8), "update_every": .integer(1)])
        #expect(defaults("relobralo") == ["alpha": .number(0.95), "lookback": .number(0.99), "temperature": .number(1), "epsilon": .number(1e-8)])
        #expect(defaults("softadapt") == ["temperature": .number(1), "epsilon": .number(1e-8)])
        #expect(defaults("gradnorm") == ["alpha": .number(1), "gradnorm_lr": .number(1e-3)])
        #expect(defaults("ntk") == ["ntk_mode": .word("exact"), "ntk_every": .integer(100)])
        #expect(defaults("uncertainty").isEmpty)
        #expect(defaults("lmax").keys.sorted() == ["eta"])
        #expect(defaults("cdmin").keys.sorted() == ["eta", "lambda_max"])
    }

    @Test("given constants override defaults, others' constants are left out, ranges are per scheme")
    func resolveAndRanges() {
        let lra = WeightingCatalog.scheme(named: "lra")!, gradnorm = WeightingCatalog.scheme(named: "gradnorm")!
        let given: [String: WeightingConstant] = ["alpha": .number(1.5), "eta": .number(3)]
        #expect(gradnorm.resolve(given).values == ["alpha": .number(1.5), "gradnorm_lr": .number(1e-3)])
        #expect(gradnorm.invalid(given) == nil)
        #expect(lra.invalid(given)?.0.name == "alpha")
        #expect(WeightingCatalog.scheme(named: "ntk")!.invalid(["ntk_mode": .word("fast")])?.0.name == "ntk_mode")
        #expect(WeightingCatalog.scheme(named: "cdmin")!.invalid(["lambda_max": .number(0.5)])?.0.name == "lambda_max")
    }

    @Test("each constant lists the schemes that use it")
    func constantOwners() {
        let owners = Dictionary(uniqueKeysWithValues: WeightingCatalog.constants.map { ($0.name, $0.schemes.map(\.name)) })
        #expect(owners["alpha"] == ["lra", "relobralo", "gradnorm"])
        #expect(owners["eta"] == ["lmax", "cdmin"])
        #expect(owners["epsilon"] == ["lra", "softadapt", "relobralo"])
        #expect(owners["temperature"] == ["softadapt", "relobralo"])
    }
}
