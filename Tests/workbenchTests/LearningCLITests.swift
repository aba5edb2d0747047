import Foundation
import Testing

/// `workbench train predictor` and `workbench predict` as processes.
@Suite("train and predict commands")
struct LearningCLITests {
    /// JSON lines whose `quality` rises with the share of "bright" words.
    static func trainingData(_ count: Int) -> String {
        let bright = ["lantern", "gold", "laughter", "warm"], grey = ["ash", "dust", "silence", "cold"]
        return (0..<count).map { index -> String in
            let share = Double(index % 10) / 10
            let words = (0..<60).map { word -> String in
                let pick = (word * 7 + index * 13) % 10
                return Double(pick) / 10 < share ? bright[(word + index) % 4] : (pick % 3 == 0 ? grey[word % 4] : ["the", "room", "she", "said", "door"][word % 5])
            }
            let text = stride(from: 0, to: words.count, by: 10).map { words[$0..<min($0 + 10, words.count)].joined(separator: " ").capitalized + "." }.joined(separator: " ")
            let object: [String: Any] = ["text": text, "quality": 4 + share * 5]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    @Test func trainThenPredict() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        try Data(Self.trainingData(60).utf8).write(to: scratch.url.appendingPathComponent("train.jsonl"))
        let train = try CLI.run(["train", "predictor", "--data", "train.jsonl", "--dimensions", "512", "--out", "model.json"], in: scratch.url)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("60 chapters, target quality, 5-fold cross-validation") && train.stdout.contains("← chosen"), "\(train.stdout)")
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("model.json").path))

        try Data("Lantern gold laughter warm lantern. Gold warm laughter the room.".utf8).write(to: scratch.url.appendingPathComponent("bright.txt"))
        try Data("Ash dust silence cold ash. Dust cold silence the door.".utf8).write(to: scratch.url.appendingPathComponent("grey.txt"))
        let predict = try CLI.run(["predict", "bright.txt", "grey.txt", "--model", "model.json", "--json"], in: scratch.url)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["file"] as? String } == ["bright.txt", "grey.txt"])
        let values = rows.compactMap { $0["prediction"] as? Double }
        #expect(values.count == 2 && values[0] > values[1], "\(values)")
    }

    @Test func trainsOnTheWorkspacesChapters() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let empty = try CLI.run(["train", "predictor", "--from-runs"], in: scratch.url)
        #expect(empty.status == 65 && empty.stderr.contains("no kept chapter has a `quality` score"), "\(empty.stderr)")
        // A regression run against the simulator baseline leaves 30 scored chapters behind.
        let baselines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Baselines").standardized.path
        #expect(try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", baselines], in: scratch.url, timeout: 120).status == 0)
        let train = try CLI.run(["train", "predictor", "--from-runs", "--target", "emotion", "--no-mlp", "--dimensions", "256", "--json"], in: scratch.url)
        #expect(train.status == 0, "\(train.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        #expect(report["examples"] as? Int == 30 && report["target"] as? String == "emotion")
        #expect((report["trials"] as? [Any])?.count == 5)
        #expect(try CLI.run(["train", "predictor"], in: scratch.url).status == 2)
    }

    /// An outline whose chapter n has `beats[n - 1]` beats.
    static func outline(beats: [Int]) -> [String: Any] {
        ["title": "T", "logline": "L.", "obsession": "the sealed letter", "setting": "S.",
         "characters": [["name": "Mara", "attributes": [String: String](), "relationships": [String: String]()]],
         "chapters": beats.enumerated().map { index, count in
             ["number": index + 1, "title": "C\(index + 1)", "beats": (0..<count).map { "beat \($0) of the night" }, "target_words": 800] as [String: Any]
         }]
    }

    @Test func trainOnOutlinesThenPredictAPlan() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // Each line scores chapter 2 of an outline: the more beats, the higher.
        let lines = (0..<40).map { index -> String in
            let count = 1 + index % 5
            let object: [String: Any] = ["outline": Self.outline(beats: [1, count, 1]), "chapter": 2, "quality": Double(count) + Double(index % 3) * 0.1]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: scratch.url.appendingPathComponent("plans.jsonl"))
        let train = try CLI.run(["train", "predictor", "--data", "plans.jsonl", "--no-mlp", "--out", "plan.json"], in: scratch.url)
        #expect(train.status == 0 && train.stdout.contains("40 planned chapters"), "\(train.stdout)\n\(train.stderr)")
        try JSONSerialization.data(withJSONObject: Self.outline(beats: [1, 5, 2])).write(to: scratch.url.appendingPathComponent("book.json"))
        let predict = try CLI.run(["predict", "--outline", "book.json", "--model", "plan.json", "--json"], in: scratch.url)
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [[String: Any]])
        let values = rows.compactMap { $0["prediction"] as? Double }
        #expect(rows.map { $0["chapter"] as? Int } == [1, 2, 3] && values.count == 3 && values[1] > values[2] && values[2] > values[0], "\(values)")
        // A text model is not an outline model, and the other way round.
        try Data("x y z".utf8).write(to: scratch.url.appendingPathComponent("a.txt"))
        #expect(try CLI.run(["predict", "a.txt", "--model", "plan.json"], in: scratch.url).status == 65)
    }

    @Test func badDataAndModelsAreNamed() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        try Data("{\"text\": \"One.\", \"quality\": 5}\n{\"text\": \"Two.\"}\n".utf8).write(to: scratch.url.appendingPathComponent("bad.jsonl"))
        let missingTarget = try CLI.run(["train", "predictor", "--data", "bad.jsonl"], in: scratch.url)
        #expect(missingTarget.status == 65 && missingTarget.stderr.contains("bad.jsonl:2: no number under `quality`"), "\(missingTarget.stderr)")
        try Data("not json\n".utf8).write(to: scratch.url.appendingPathComponent("worse.jsonl"))
        let notJSON = try CLI.run(["train", "predictor", "--data", "worse.jsonl"], in: scratch.url)
        #expect(notJSON.status == 65 && notJSON.stderr.contains("worse.jsonl:1: not a JSON object"), "\(notJSON.stderr)")
        try Data("x".utf8).write(to: scratch.url.appendingPathComponent("a.txt"))
        try Data("{\"text\": \"One.\", \"quality\": true}\n".utf8).write(to: scratch.url.appendingPathComponent("flag.jsonl"))
        let boolean = try CLI.run(["train", "predictor", "--data", "flag.jsonl"], in: scratch.url)
        #expect(boolean.status == 65 && boolean.stderr.contains("flag.jsonl:1: no number under `quality`"), "\(boolean.stderr)")
        let noModel = try CLI.run(["predict", "a.txt", "--model", "nope.json"], in: scratch.url)
        #expect(noModel.status == 65 && noModel.stderr.contains("nope.json"), "\(noModel.stderr)")
        #expect(try CLI.run(["train", "predictor", "--data", "bad.jsonl", "--dimensions", "1000"], in: scratch.url).status == 2)
    }
}
