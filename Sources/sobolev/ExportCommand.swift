import ArgumentParser
import Foundation
import SobolevExport
import SobolevStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a stored surrogate with its Jacobian: an ONNX graph (x -> y, dydx) or one C99 source and header.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case onnx, c }

    @OptionGroup var choice: ModelChoice

    @Option(help: "onnx or c.")
    var format: Format

    @Option(help: "Output file: NAME.onnx, or NAME.c (NAME.h is written beside it).")
    var out: String

    @Option(help: "C: prefix of the functions (<name>_eval, <name>_eval_batch); default the file name.")
    var name: String?

    @Flag(help: "Replace existing output files.")
    var force = false

    var extensionWanted: String { format == .onnx ? ".onnx" : ".c" }
    var header: String { String(out.dropLast(2)) + ".h" }
    var cName: String { name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent }

    func validate() throws {
        guard out.hasSuffix(extensionWanted) else { fail("--out \(out): a \(format.rawValue) export ends in \(extensionWanted)") }
        for file in format == .c ? [out, header] : [out] {
            if let why = choice.replacedBy(file) { fail(why) }
        }
        if let why = OutputFiles.problem(out, replace: force) { fail(why) }
        if format == .c {
            if let why = OutputFiles.problem(header, replace: force) { fail(why) }
            let headerName = URL(fileURLWithPath: header).lastPathComponent
            guard CExport.isIncludable(headerName) else {
                fail("--out \(out): the header \(headerName) cannot be named in an #include (a quote, backslash or control character); give another file name")
            }
            guard CExport.isIdentifier(cName) else {
                fail("C function prefix '\(cName)' is not a C identifier (letters, digits, _); name one with --name")
            }
        } else if name != nil {
            fail("--name applies to --format c only")
        }
    }

    func run() throws {
        do {
            let selected = try choice.open()
            let m = ExportedModel(architecture: selected.model.architecture, parameters: selected.model.parameters,
                                  standardization: selected.model.standardization, source: selected.location)
            let version = Sobolev.configuration.version
            switch format {
            case .onnx:
                try OutputFiles.write([(out, try ONNXExport.model(m, toolVersion: version))], replace: force)
                print("export: \(out) (ONNX opset \(ONNXExport.opset), inputs x [N, \(m.inputs)], outputs y [N, \(m.outputs)], dydx [N, \(m.outputs), \(m.inputs)])")
            case .c:
                let headerName = URL(fileURLWithPath: header).lastPathComponent
                let files = CExport.files(m, name: cName, headerName: headerName, toolVersion: version)
                try OutputFiles.write([(header, Array(files.header.utf8)), (out, Array(files.source.utf8))], replace: force)
                print("export: \(out) and \(header) (\(cName)_eval, \(cName)_eval_batch; \(m.inputs) inputs, \(m.outputs) outputs)")
            }
        } catch {
            fail("\(error)")
        }
    }
}
