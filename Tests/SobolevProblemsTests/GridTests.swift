// Regular grids for dense test sets.
import SobolevCore
import Testing
@testable import SobolevProblems

@Test func oneDimensionalGridIsALinspace() {
    let grid = Sampler.grid(count: 5, domain: [-1...1])
    #expect(grid == Matrix(rows: 5, cols: 1, data: [-1, -0.5, 0, 0.5, 1]))
    #expect(Sampler.grid(count: 1, domain: [2...4]).data == [3])
}

@Test func tensorGridsHaveAboutCountPointsAndCoverTheCorners() {
    let grid2 = Sampler.grid(count: 100, domain: [0...1, -2...2])
    #expect(grid2.rows == 100 && grid2.cols == 2)
    #expect(grid2.row(0) == [0, -2] && grid2.row(1)[0] == 0 && grid2.row(99) == [1, 2])
    let grid3 = Sampler.grid(count: 1000, domain: [0...1, 0...1, 0...1])
    #expect(grid3.rows == 1000 && grid3.row(999) == [1, 1, 1])
    #expect(Set(grid3.column(0)).count == 10)
    #expect(Sampler.grid(count: 50, domain: [0...1, 0...1]).rows == 49)
}
