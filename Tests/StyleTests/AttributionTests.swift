import Foundation
import Style
import Testing

@Suite struct AttributionTests {
    /// Held-out attribution on the shared corpus (seven novels beside the repository): each novel's
    /// profile is built from its 5,000-word bags except every fifth, and each held-out bag is
    /// attributed to the nearest of the seven profiles. Fails, not passes, without the corpus.
    @Test func heldOutBagsFindTheirNovel() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".txt") }).sorted(), !files.isEmpty else {
            Issue.record("the shared corpus is missing at \(folder.path): this test reads ../shared/corpus beside the repository")
            return
        }
        var profiles: [StyleProfile] = []
        var heldOut: [(novel: Int, text: String)] = []
        for (novel, file) in files.enumerated() {
            let bags = StyleProfile.bags(of: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
            var training: [String] = []
            for (index, bag) in bags.enumerated() {
                if index % 5 == 4 { heldOut.append((novel, bag)) } else { training.append(bag) }
            }
            profiles.append(try StyleProfile.build(from: training.joined(separator: "\n\n"), file: file))
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: files.count), count: files.count)
        var margins: [Double] = []
        var ownMatches = 0
        for (novel, text) in heldOut {
            let nearest = try #require(StyleProfile.nearest(text, among: profiles))
            let guess = try #require(profiles.firstIndex(of: nearest.profile))
            confusion[novel][guess] += 1
            margins.append(nearest.margin)
            if profiles[novel].match(text).matches { ownMatches += 1 }
        }
        let correct = files.indices.reduce(0) { $0 + confusion[$1][$1] }
        let accuracy = Double(correct) / Double(heldOut.count)
        print("style attribution: \(correct)/\(heldOut.count) held-out bags (\(String(format: "%.3f", accuracy))); inside own 90th percentile \(ownMatches)/\(heldOut.count); median margin \(String(format: "%.3f", margins.sorted()[margins.count / 2]))")
        for (novel, file) in files.enumerated() {
            let row = confusion[novel].enumerated().filter { $0.element > 0 }.map { "\(files[$0.offset].replacingOccurrences(of: ".txt", with: "")) \($0.element)" }.joined(separator: ", ")
            print("  \(file): \(row)")
        }
        #expect(accuracy >= 0.9)
    }
}
