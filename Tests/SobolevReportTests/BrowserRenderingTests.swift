// The report of a real sweep, rendered by headless Chromium: the page must show its charts, not
// just contain them. Chromium is part of the test setup (apt-get install chromium); without it
// this test fails rather than silently skipping the only check of what a person actually sees.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct BrowserRenderingTests {
        static let window = (width: 1400, height: 4000)

        /// Charts of the fixture: 4 convergence (2 terms, training and validation), 2 lambda,
        /// 2 prediction (values, derivatives; 1-D problem), 8 parity (2 per configuration); one rank
        /// count, so no scaling chart.
        static let expectedCharts = 4 + 2 + 2 + 2 * RealSweep.configurations
        static let expectedTitles = ["Training loss: value term", "Training loss: grad_1 term", "Validation loss: value term",
                                     "Validation loss: grad_1 term", "Weight λ of the value term", "Weight λ of the grad_1 term",
                                     "Prediction on the test set", "Derivative on the test set", "Parity of values", "Parity of derivatives"]

        @Test func reportRendersItsChartsInChromium() throws {
            guard let chromium = Command.find(["chromium", "chromium-browser", "google-chrome"]) else {
                Issue.record("chromium is not installed: apt-get install -y chromium (the test setup installs it); the report's rendering cannot be checked")
                return
            }
            let dir = try temporaryFolder()
            let out = dir + "/report"
            let r = try Command.run(try RealSweep.binary(), ["report", try RealSweep.resultsFile(), "--out", out])
            try #require(r.status == 0, "sobolev report failed: \(r.error)")

            // The page: self-contained, every chart an <svg> with a title.
            let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
            #expect(html.components(separatedBy: "<svg").count - 1 == Self.expectedCharts)
            #expect(html.components(separatedBy: "<svg").dropFirst().allSatisfy { $0.contains("<title>") })
            for title in Self.expectedTitles { #expect(html.contains("<title>\(title)</title>"), "missing chart: \(title)") }
            #expect(!html.contains("<link") && !html.contains("src=") && !html.contains("url("), "the page must not fetch anything")
            #expect(html.contains("completed runs used 1 rank, so there is no scaling to show"))

            // The screenshot.
            let png = dir + "/report.png"
            let shot = try Command.run(chromium, [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--user-data-dir=\(dir)/chromium-profile", "--screenshot=\(png)",
                "--window-size=\(Self.window.width),\(Self.window.height)", "file://\(out)/index.html",
            ], timeout: 90)
            try #require(FileManager.default.fileExists(atPath: png), "chromium wrote no screenshot (status \(shot.status)): \(shot.error.suffix(600))")
            let image = try PNGImage.read(png)
            #expect(image.width == Self.window.width && image.height == Self.window.height)

            // Not blank: a good part of the page is drawn, in many colours.
            var drawn = 0
            var colours = Set<Int>()
            for y in Swift.stride(from: 0, to: image.height, by: 2) {
                for x in Swift.stride(from: 0, to: image.width, by: 2) {
                    let (r, g, b) = image.rgb(x, y)
                    if r < 235 || g < 235 || b < 235 { drawn += 1 }
                    colours.insert(r << 16 | g << 8 | b)
                }
            }
            let sampled = (image.width / 2) * (image.height / 2)
            #expect(Double(drawn) / Double(sampled) > 0.04, "the screenshot is almost blank: \(drawn) of \(sampled) sampled pixels drawn")
            #expect(colours.count > 200, "the screenshot has only \(colours.count) colours")

            // The charts themselves: each configuration's colour covers far more pixels than its small
            // swatches in the tables could (the lines, bands and dots of the charts).
            let report = try Report.make(results: try RealSweep.resultsFile())
            for g in report.leaderboard.groups {
                let colour = ChartColour(hex: report.colours.configuration(g.configuration))
                let count = colour.pixels(in: image)
                #expect(Double(count) > Double(Self.swatchPixelsBound) * 2.5, "\(g.configuration): only \(count) pixels of its colour \(colour.hex); were the charts drawn?")
            }
        }

        /// The table script: a click on "mean" sorts descending (it is already ascending), a second
        /// click ascending, checked in the DOM Chromium dumps after running a few scripted clicks.
        @Test func tablesSortOnAClick() throws {
            guard let chromium = Command.find(["chromium", "chromium-browser", "google-chrome"]) else {
                Issue.record("chromium is not installed: apt-get install -y chromium (the test setup installs it)")
                return
            }
            let dir = try temporaryFolder()
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let clicks = """
            <script>
            const table = document.querySelector("table.sortable"), mean = table.querySelectorAll("th")[3];
            const column = () => [...table.tBodies[0].rows].map(r => r.cells[3].textContent).join("|");
            mean.click(); document.body.dataset.first = column();
            mean.click(); document.body.dataset.second = column();
            </script></body>
            """
            let page = ReportPage(report: report).html().replacingOccurrences(of: "</body>", with: clicks)
            try page.write(toFile: dir + "/page.html", atomically: true, encoding: .utf8)
            let r = try Command.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                               "--user-data-dir=\(dir)/chromium-profile", "--dump-dom", "file://\(dir)/page.html"], timeout: 90)
            #expect(r.output.contains("data-first=\"2.333|0.5\""), "descending after one click")
            #expect(r.output.contains("data-second=\"0.5|2.333\""), "ascending after two clicks")
        }

        /// An upper bound of the pixels a configuration's swatches take: 11 x 11 px (13 x 13 with
        /// anti-aliasing) in each of the five visible leaderboard tables and the overview's best line.
        /// Measured on the fixture: about 550-960 without charts, 4000-8500 with them.
        static let swatchPixelsBound = 6 * 13 * 13
    }
}

/// A chart colour and the pixels close to it (anti-aliased edges within a small tolerance).
struct ChartColour {
    var hex: String
    var rgb: (Int, Int, Int)

    init(hex: String) {
        self.hex = hex
        let v = Int(hex.dropFirst(), radix: 16)!
        rgb = (v >> 16 & 255, v >> 8 & 255, v & 255)
    }

    func pixels(in image: PNGImage, tolerance: Int = 24) -> Int {
        var n = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let (r, g, b) = image.rgb(x, y)
                if abs(r - rgb.0) <= tolerance && abs(g - rgb.1) <= tolerance && abs(b - rgb.2) <= tolerance { n += 1 }
            }
        }
        return n
    }
}
