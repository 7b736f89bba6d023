// The problem catalog: every name resolves, parameters are checked.
import Testing
@testable import SobolevProblems

@Test func everyCatalogNameResolvesToAFunctionOfThatName() throws {
    #expect(Set(ProblemCatalog.names).count == ProblemCatalog.names.count)
    #expect(ProblemCatalog.names.count == 13)
    for name in ProblemCatalog.names {
        let f = try #require(ProblemCatalog.function(named: name))
        #expect(f.name == name)
        #expect(f.domain.count == f.inputDimension)
        #expect(f.domain.allSatisfy { $0.lowerBound < $0.upperBound })
    }
    #expect(ProblemCatalog.function(named: "himmelblau") == nil)
}

@Test func catalogParameters() throws {
    #expect(try #require(ProblemCatalog.function(named: "ackley", parameters: ["dimension": 3])).inputDimension == 3)
    #expect(try #require(ProblemCatalog.function(named: "rosenbrock", parameters: ["dimension": 5])).inputDimension == 5)
    #expect(ProblemCatalog.function(named: "rosenbrock", parameters: ["dimension": 1]) == nil)
    #expect(ProblemCatalog.function(named: "ackley", parameters: ["dimension": 2.5]) == nil)
    #expect(ProblemCatalog.function(named: "booth", parameters: ["dimension": 2]) == nil)
    #expect(ProblemCatalog.function(named: "sine", parameters: ["typo": 1]) == nil)

    let custom = try #require(ProblemCatalog.function(
        named: "multifrequency", parameters: ["frequency_1": 2, "frequency_2": 5, "amplitude_2": 0.5, "phase_1": 1])
        as? MultiFrequency)
    #expect(custom.frequencies == [2, 5] && custom.amplitudes == [1, 0.5] && custom.phases == [1, 0])
    let defaults = try #require(ProblemCatalog.function(named: "multifrequency") as? MultiFrequency)
    #expect(defaults.frequencies == [1, 4, 16] && defaults.amplitudes == [1, 1, 1])
    #expect(ProblemCatalog.function(named: "multifrequency", parameters: ["frequency_2": 3]) == nil)
}
