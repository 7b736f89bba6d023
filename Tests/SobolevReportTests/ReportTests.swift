// HDF5 as Debian builds it is not thread-safe, and Swift Testing runs tests in parallel: every
// suite of this module is nested in this serialized one, so no two tests use HDF5 at the same time.
import Testing

@Suite(.serialized) struct ReportTests {}
