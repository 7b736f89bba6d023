// Element-level checks: the consistent tangent and the coordinate derivative of the internal
// force against central differences, and the patch test (homogeneous deformation).
import Testing
@testable import SobolevFE

@Suite("Plane-stress quadrilateral")
struct ElementTests {
    @Test("tangent equals d f_int / d u (central differences)", arguments: HookMaterial.allCases)
    func tangentMatchesFiniteDifferences(material: HookMaterial) {
        let quad = element(of: HookModel(material: material))
        let e = distortedElement(displacementScale: 1)
        var k = [Double](repeating: 0, count: 64)
        _ = k.withUnsafeMutableBufferPointer { quad.internalForce(e, tangent: $0.baseAddress) }
        let u = elementDisplacements(e), h = 1e-6
        var fd = [Double](repeating: 0, count: 64)
        for c in 0..<8 {
            var up = u, um = u
            up[c] += h; um[c] -= h
            let fp = quad.internalForce(withDisplacements(e, up), tangent: nil)
            let fm = quad.internalForce(withDisplacements(e, um), tangent: nil)
            for a in 0..<4 {
                fd[8 * (2 * a) + c] = (fp.fx[a] - fm.fx[a]) / (2 * h)
                fd[8 * (2 * a + 1) + c] = (fp.fy[a] - fm.fy[a]) / (2 * h)
            }
        }
        #expect(relativeError(k, fd) < 1e-7)
        // Symmetric (hyperelastic, conservative).
        var asymmetry = 0.0
        for r in 0..<8 { for c in 0..<8 { asymmetry = max(asymmetry, abs(k[8 * r + c] - k[8 * c + r])) } }
        #expect(asymmetry < 1e-10 * k.map(abs).max()!)
    }

    @Test("coordinate derivative equals d f_int / d X (central differences)", arguments: HookMaterial.allCases)
    func coordinateDerivativeMatchesFiniteDifferences(material: HookMaterial) {
        let quad = element(of: HookModel(material: material))
        let e = distortedElement(displacementScale: 1)
        let dx = SIMD4(0.3, -0.7, 0.2, 1.1), dy = SIMD4(-0.4, 0.5, 0.9, -0.2), h = 1e-6
        let exact = quad.internalForceCoordinateDerivative(e, dx: dx, dy: dy)
        var ep = e, em = e
        ep.x += h * dx; ep.y += h * dy
        em.x -= h * dx; em.y -= h * dy
        let fp = quad.internalForce(ep, tangent: nil), fm = quad.internalForce(em, tangent: nil)
        let dfx: SIMD4<Double> = (fp.fx - fm.fx) / (2 * h)
        let dfy: SIMD4<Double> = (fp.fy - fm.fy) / (2 * h)
        let fd: [Double] = (0..<4).flatMap { a -> [Double] in [dfx[a], dfy[a]] }
        let analytic: [Double] = (0..<4).flatMap { a -> [Double] in [exact.fx[a], exact.fy[a]] }
        #expect(relativeError(analytic, fd) < 1e-7)
    }

    /// Patch of 2 x 2 distorted elements (interior node off-centre) under u = A X: every
    /// Gauss point carries the same stress, C : sym(A) (linear) or C : E(F = I + A) (SVK),
    /// and the interior node is in equilibrium.
    @Test("patch test: homogeneous deformation gives constant stress", arguments: HookMaterial.allCases)
    func patchTest(material: HookMaterial) {
        let model = HookModel(material: material)
        let xs: [Double] = [0, 0, 0, 1.1, 0.93, 1.0, 2, 2.1, 1.95]
        let ys: [Double] = [0, 1, 2.05, -0.05, 1.17, 2, 0.1, 1, 2]
        let nodes = (0..<9).flatMap { [xs[$0], ys[$0]] }
        let mesh = HookMesh(nodes: nodes,
                            elements: HookMesh.structuredElements(along: 2, through: 2, acrossThenAlong: false),
                            clampedNodes: [], tipNodes: [6, 7, 8],
                            nodeCoordinateSensitivities: [])
        let (a11, a12, a21, a22) = (0.012, -0.35, 0.31, -0.008)   // stretch plus a finite rotation
        var u: [Double] = []
        for n in 0..<9 { u += [a11 * xs[n] + a12 * ys[n], a21 * xs[n] + a22 * ys[n]] }
        let quad = element(of: model)
        let assembler = Assembler(mesh: mesh, numbering: DofNumbering(mesh: mesh), element: quad)

        let f11 = 1 + a11, f12 = a12, f21 = a21, f22 = 1 + a22
        let strain = material == .linearElastic
            ? SIMD3(a11, a22, a12 + a21)
            : SIMD3((f11 * f11 + f21 * f21 - 1) / 2, (f12 * f12 + f22 * f22 - 1) / 2, f11 * f12 + f21 * f22)
        let expected = quad.material.stress(strain)
        for e in 0..<mesh.elementCount {
            for s in quad.gaussPointStresses(assembler.elementNodes(e, u)) {
                #expect(relativeError([s.x, s.y, s.z], [expected.x, expected.y, expected.z]) < 1e-12)
            }
        }
        var noTangent: SymmetricBandMatrix? = nil
        let f = assembler.internalForce(u, tangent: &noTangent)
        let scale = f.map(abs).max()!
        #expect(abs(f[8]) < 1e-12 * scale && abs(f[9]) < 1e-12 * scale)
    }

    @Test("hook mesh: 512 valid elements, narrow band, analytic dX/dp")
    func hookMesh() {
        let model = HookModel()
        for design in [[0.8, 0.35], [1.5, 0.15], [1.5, 0.35], [0.8, 0.15]] {
            let mesh = model.mesh(design: design)
            #expect(mesh.elementCount == 512 && mesh.nodeCount == 129 * 5)
            #expect(mesh.clampedNodes.count == 5 && mesh.tipNodes.count == 5)
            let quad = element(of: model), assembler = Assembler(mesh: mesh, numbering: DofNumbering(mesh: mesh), element: quad)
            let zero = [Double](repeating: 0, count: 2 * mesh.nodeCount)
            let minDet = (0..<mesh.elementCount).map { e -> Double in
                let n = assembler.elementNodes(e, zero)
                return (0..<4).map { GaussPointKinematics(n, dxi: quad.gauss.dxi[$0], deta: quad.gauss.deta[$0]).detJ }.min()!
            }.min()!
            #expect(minDet > 0)
            #expect(assembler.numbering.halfBandwidth == 2 * (4 + 2) + 1)
            // Tip edge midpoint at (2R, 0), shank end at y = L.
            #expect(abs(mesh.nodes[2 * mesh.tipNodes[2]] - 2 * design[0]) < 1e-14)
            #expect(abs(mesh.nodes[2 * mesh.clampedNodes[2] + 1] - model.shankLength) < 1e-14)
            for j in 0..<2 {
                let h = 1e-6
                var p = design, m = design
                p[j] += h; m[j] -= h
                let fd = zip(model.mesh(design: p).nodes, model.mesh(design: m).nodes).map { ($0 - $1) / (2 * h) }
                #expect(relativeError(mesh.nodeCoordinateSensitivities[j], fd) < 1e-8)
            }
        }
    }
}
