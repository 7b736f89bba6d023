// Direction numbers for Sobol's sequence: the first rows of S. Joe & F. Y. Kuo's table
// new-joe-kuo-6.21201 ("Constructing Sobol sequences with better two-dimensional projections",
// SIAM J. Sci. Comput. 30, 2635-2654, 2008).

/// One row of the Joe-Kuo table: a primitive polynomial x^s + a_1 x^(s-1) + ... + a_(s-1) x + 1
/// over GF(2), with degree s, its inner coefficients a = (a_1 ... a_(s-1)) as the bits of an
/// integer (a_1 most significant), and the initial direction integers m_1..m_s (m_k odd, < 2^k).
struct SobolPolynomial: Sendable {
    let degree: Int
    let coefficients: Int
    let initialNumbers: [UInt32]
}

enum SobolDirectionNumbers {
    /// Dimension 1 (van der Corput) plus one per table row.
    static var maximumDimension: Int { table.count + 1 }

    /// Rows d = 2, 3, ..., 28 of new-joe-kuo-6.21201 (columns d, s, a, m_i in the file).
    static let table: [SobolPolynomial] = [
        SobolPolynomial(degree: 1, coefficients: 0, initialNumbers: [1]),                         // d = 2
        SobolPolynomial(degree: 2, coefficients: 1, initialNumbers: [1, 3]),                      // d = 3
        SobolPolynomial(degree: 3, coefficients: 1, initialNumbers: [1, 3, 1]),                   // d = 4
        SobolPolynomial(degree: 3, coefficients: 2, initialNumbers: [1, 1, 1]),                   // d = 5
        SobolPolynomial(degree: 4, coefficients: 1, initialNumbers: [1, 1, 3, 3]),                // d = 6
        SobolPolynomial(degree: 4, coefficients: 4, initialNumbers: [1, 3, 5, 13]),               // d = 7
        SobolPolynomial(degree: 5, coefficients: 2, initialNumbers: [1, 1, 5, 5, 17]),            // d = 8
        SobolPolynomial(degree: 5, coefficients: 4, initialNumbers: [1, 1, 5, 5, 5]),             // d = 9
        SobolPolynomial(degree: 5, coefficients: 7, initialNumbers: [1, 1, 7, 11, 19]),           // d = 10
        SobolPolynomial(degree: 5, coefficients: 11, initialNumbers: [1, 1, 5, 1, 1]),            // d = 11
        SobolPolynomial(degree: 5, coefficients: 13, initialNumbers: [1, 1, 1, 3, 11]),           // d = 12
        SobolPolynomial(degree: 5, coefficients: 14, initialNumbers: [1, 3, 5, 5, 31]),           // d = 13
        SobolPolynomial(degree: 6, coefficients: 1, initialNumbers: [1, 3, 3, 9, 7, 49]),         // d = 14
        SobolPolynomial(degree: 6, coefficients: 13, initialNumbers: [1, 1, 1, 15, 21, 21]),      // d = 15
        SobolPolynomial(degree: 6, coefficients: 16, initialNumbers: [1, 3, 1, 13, 27, 49]),      // d = 16
        SobolPolynomial(degree: 6, coefficients: 19, initialNumbers: [1, 1, 1, 15, 7, 5]),        // d = 17
        SobolPolynomial(degree: 6, coefficients: 22, initialNumbers: [1, 3, 1, 15, 13, 25]),      // d = 18
        SobolPolynomial(degree: 6, coefficients: 25, initialNumbers: [1, 1, 5, 5, 19, 61]),       // d = 19
        SobolPolynomial(degree: 7, coefficients: 1, initialNumbers: [1, 3, 7, 11, 23, 15, 103]),  // d = 20
        SobolPolynomial(degree: 7, coefficients: 4, initialNumbers: [1, 3, 7, 13, 13, 15, 69]),   // d = 21
        SobolPolynomial(degree: 7, coefficients: 7, initialNumbers: [1, 1, 3, 13, 7, 35, 63]),    // d = 22
        SobolPolynomial(degree: 7, coefficients: 8, initialNumbers: [1, 3, 5, 9, 1, 25, 53]),     // d = 23
        SobolPolynomial(degree: 7, coefficients: 14, initialNumbers: [1, 3, 1, 13, 9, 35, 107]),  // d = 24
        SobolPolynomial(degree: 7, coefficients: 19, initialNumbers: [1, 3, 1, 5, 27, 61, 31]),   // d = 25
        SobolPolynomial(degree: 7, coefficients: 21, initialNumbers: [1, 1, 5, 11, 19, 41, 61]),  // d = 26
        SobolPolynomial(degree: 7, coefficients: 28, initialNumbers: [1, 3, 5, 3, 3, 13, 69]),    // d = 27
        SobolPolynomial(degree: 7, coefficients: 31, initialNumbers: [1, 1, 7, 13, 1, 19, 1]),    // d = 28
    ]
}
