// Training state at a step boundary, complete enough that training continued from it gives the
// same bits as training that never stopped: parameters, the optimizer's moments, the weighting
// scheme's state (its own optimizer and random stream included), the shuffle stream and order,
// the history so far and the best-on-validation parameters. Writing it to disk is the store's job.

/// Why a checkpoint's state cannot be restored (a damaged or foreign checkpoint).
public struct CheckpointError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A part of training with running state, written as a flat vector of doubles.
public protocol Checkpointable {
    var checkpointState: [Double] { get }
    mutating func restore(checkpointState: [Double]) throws
}

/// Builds a flat state vector: numbers, length-prefixed arrays, optional arrays, nested states.
public struct StateEncoder {
    public private(set) var values: [Double] = []
    public init() {}
    public mutating func add(_ x: Double) { values.append(x) }
    public mutating func add(_ xs: [Double]) { values.append(Double(xs.count)); values += xs }
    public mutating func add(_ xs: [Double]?) {
        add(xs == nil ? 0 : 1)
        if let xs { add(xs) }
    }
    public mutating func add(_ part: some Checkpointable) { add(part.checkpointState) }
    public mutating func add(_ part: any Checkpointable) { add(part.checkpointState) }
}

/// Reads a state vector in the order it was built; every read checks the length.
public struct StateDecoder {
    let values: [Double]
    var position = 0
    public init(_ values: [Double]) { self.values = values }

    public mutating func double() throws -> Double {
        guard position < values.count else { throw CheckpointError("the state vector ends early (\(values.count) numbers)") }
        position += 1
        return values[position - 1]
    }
    public mutating func count() throws -> Int {
        let c = try double()
        guard c >= 0, c <= Double(values.count - position), c == c.rounded() else { throw CheckpointError("bad length \(c) in the state vector") }
        return Int(c)
    }
    public mutating func array() throws -> [Double] {
        let n = try count()
        position += n
        return Array(values[(position - n)..<position])
    }
    public mutating func optionalArray() throws -> [Double]? { try double() == 0 ? nil : try array() }
    public mutating func array(count expected: Int) throws -> [Double] {
        let a = try array()
        guard a.count == expected else { throw CheckpointError("state array of \(a.count) numbers where \(expected) belong") }
        return a
    }
    /// Checks that everything was read (a longer vector belongs to something else).
    public func finish() throws {
        guard position == values.count else { throw CheckpointError("\(values.count - position) numbers left over in the state vector") }
    }
}

extension Checkpointable {
    /// Decodes `checkpointState` with `body` and checks that it used every number.
    public static func decode<T>(_ state: [Double], _ body: (inout StateDecoder) throws -> T) throws -> T {
        var d = StateDecoder(state)
        let value = try body(&d)
        try d.finish()
        return value
    }
}

extension SeededRNG: Checkpointable {
    /// The four state words, each as two exact 32-bit halves.
    public var checkpointState: [Double] {
        words.flatMap { [Double($0 >> 32), Double($0 & 0xFFFF_FFFF)] }
    }

    public mutating func restore(checkpointState s: [Double]) throws {
        guard s.count == 8, s.allSatisfy({ $0 >= 0 && $0 < 0x1p32 && $0 == $0.rounded() }) else {
            throw CheckpointError("a random stream's state must be 8 integers below 2^32")
        }
        words = (0..<4).map { UInt64(s[2 * $0]) << 32 | UInt64(s[2 * $0 + 1]) }
    }
}

/// Everything `Trainer.train` needs to continue after `step` optimizer steps.
public struct TrainingState: Sendable, Equatable {
    /// Optimizer steps taken (the next step's index).
    public var step: Int
    public var parameters: [Double]
    public var optimizer: [Double]
    public var weighting: [Double]
    /// The shuffle stream and the current order of the training samples (shuffled in place).
    public var shuffler: [Double]
    public var order: [Int]
    public var history: TrainingHistory
    public var bestLoss: Double
    public var bestStep: Int
    public var bestParameters: [Double]
    public var samples: Int
    public var perTermSteps: Int
    public var fusedSteps: Int

    public init(step: Int, parameters: [Double], optimizer: [Double], weighting: [Double], shuffler: [Double], order: [Int],
                history: TrainingHistory, bestLoss: Double, bestStep: Int, bestParameters: [Double],
                samples: Int, perTermSteps: Int, fusedSteps: Int) {
        self.step = step; self.parameters = parameters; self.optimizer = optimizer; self.weighting = weighting
        self.shuffler = shuffler; self.order = order; self.history = history; self.bestLoss = bestLoss
        self.bestStep = bestStep; self.bestParameters = bestParameters; self.samples = samples
        self.perTermSteps = perTermSteps; self.fusedSteps = fusedSteps
    }
}

/// What the trainer's step callback tells it.
public enum StepAction: Sendable {
    case proceed
    /// Stop at this step boundary (the caller has taken the state it needs).
    case stop
}

extension Trainer {
    /// Checks that `state` can continue a run of this trainer on `trainCount` samples with
    /// `weighting` (a fresh scheme of the run), so that `train(resume:)` never sees a misfit.
    public func check(_ state: TrainingState, trainCount: Int, weighting: any WeightingScheme, run: String) throws {
        func fail(_ what: String) -> CheckpointError { CheckpointError("checkpoint of run \(run) does not fit it: \(what)") }
        let P = architecture.parameterCount
        guard state.parameters.count == P, state.bestParameters.count == P else { throw fail("\(state.parameters.count) parameters, the model has \(P)") }
        guard state.order.count == trainCount, Set(state.order) == Set(0..<trainCount) else { throw fail("the sample order is not a permutation of the \(trainCount) training samples") }
        guard state.step >= 0 else { throw fail("step \(state.step)") }
        var optimizer = options.optimizer.make(parameterCount: P), scheme = weighting, shuffler = SeededRNG(seed: 0)
        do {
            try optimizer.restore(checkpointState: state.optimizer)
            try scheme.restore(checkpointState: state.weighting)
            try shuffler.restore(checkpointState: state.shuffler)
        } catch { throw fail("\(error)") }
    }
}

extension TrainingState {
    /// The whole state as one vector of doubles (to broadcast it over a group).
    public var flat: [Double] {
        var e = StateEncoder()
        e.add(Double(step)); e.add(parameters); e.add(optimizer); e.add(weighting); e.add(shuffler)
        e.add(order.map(Double.init))
        e.add(history.steps.map(Double.init)); e.add(history.epochs.map(Double.init)); e.add(history.learningRates)
        for rows in [history.trainLosses, history.lambdas, history.validationLosses] {
            e.add(Double(rows.count))
            for r in rows { e.add(r) }
        }
        e.add(bestLoss); e.add(Double(bestStep)); e.add(bestParameters)
        e.add(Double(samples)); e.add(Double(perTermSteps)); e.add(Double(fusedSteps))
        return e.values
    }

    public init(flat: [Double]) throws {
        var d = StateDecoder(flat)
        func int() throws -> Int { Int(try d.double()) }
        func ints() throws -> [Int] { try d.array().map { Int($0) } }
        func rows() throws -> [[Double]] { try (0..<d.count()).map { _ in try d.array() } }
        let step = try int(), parameters = try d.array(), optimizer = try d.array(), weighting = try d.array()
        let shuffler = try d.array(), order = try ints()
        var history = TrainingHistory()
        history.steps = try ints(); history.epochs = try ints(); history.learningRates = try d.array()
        history.trainLosses = try rows(); history.lambdas = try rows(); history.validationLosses = try rows()
        self.init(step: step, parameters: parameters, optimizer: optimizer, weighting: weighting, shuffler: shuffler,
                  order: order, history: history, bestLoss: try d.double(), bestStep: try int(), bestParameters: try d.array(),
                  samples: try int(), perTermSteps: try int(), fusedSteps: try int())
        try d.finish()
    }
}
