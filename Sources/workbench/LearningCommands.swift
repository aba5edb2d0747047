import ArgumentParser
import Foundation
import Learning
import Quality
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train models on scored chapters.",
            subcommands: [Predictor.self])
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict chapters' quality (or the model's metric) from their text with a trained predictor.")

        @Argument(help: ArgumentHelp("Chapter text files (- reads standard input).", valueName: "file"))
        var files: [String]

        @Option(help: ArgumentHelp("The model written by `train predictor`.", valueName: "model"))
        var model: String = "predictor-quality.json"

        @Flag(help: "Print JSON: one object per file with `file` and `prediction`.")
        var json = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one chapter file") }
        }

        func run() throws {
            let predictor = try QualityPredictor.load(from: model)
            let texts = try files.map { file -> String in
                let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
                guard let data, let text = String(data: data, encoding: .utf8) else {
                    throw LearningError.invalidData(source: file, problem: "missing, unreadable or not UTF-8")
                }
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw LearningError.invalidData(source: file, problem: "the text is empty") }
                return text
            }
            let predictions = try predictor.predict(texts)
            if json {
                let rows: [[String: Any]] = zip(files, predictions).map { ["file": $0, "prediction": $1, "target": predictor.target] }
                return Console.output(JSONOutput.render(JSONOutput.finite(rows)))
            }
            var table = TextTable(columns: [.init("file"), .init(predictor.target, .right)])
            for (file, value) in zip(files, predictions) { table.append([file, String(format: "%.2f", value)]) }
            Console.output(table.render())
        }
    }
}

extension Workbench.Train {
    struct Predictor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the quality predictor: ridge or an MLP over TF-IDF n-grams, metrics and style, chosen by k-fold cross-validation.",
            discussion: """
                --data FILE.jsonl holds one chapter per line: {"text": "…", "quality": 7.2}, the \
                target under its own name (--target). Prints the held-out R², MAE and Spearman \
                of every penalty tried (out-of-fold predictions) and writes the model, with its \
                feature spec and the training data's hash, to --out.
                """)

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: ArgumentHelp("Training data: JSON lines with `text` and the target.", valueName: "file.jsonl"))
        var data: String?

        @Flag(name: .customLong("from-runs"), help: "Train on the workspace's chapters: each book's kept versions and their stored scores.")
        var fromRuns = false

        @Option(help: ArgumentHelp("What to predict: quality, or a metric's name (the JSONL field).", valueName: "name"))
        var target: String = "quality"

        @Option(help: ArgumentHelp("Where to write the model (default: predictor-<target>.json).", valueName: "model"))
        var out: String?

        @Option(help: "Cross-validation folds.")
        var folds: Int = 5

        @Option(help: "Width of the hashed n-gram block (a power of two).")
        var dimensions: Int = 4096

        @Option(help: "Seed of the fold assignment.")
        var seed: UInt64 = 1

        @Flag(name: .customLong("no-mlp"), help: "Cross-validate ridge penalties only, not the one-hidden-layer MLP beside them.")
        var noMLP = false

        @Flag(help: "Print the training report as JSON.")
        var json = false

        func validate() throws {
            guard dimensions >= 16, dimensions & (dimensions - 1) == 0 else { throw ValidationError("--dimensions must be a power of two, at least 16") }
            guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
            guard (data == nil) != !fromRuns else { throw ValidationError("give --data FILE.jsonl or --from-runs (one of them)") }
        }

        func run() throws {
            let examples = try data.map { try Self.read($0, target: target) } ?? Self.stored(try workspace.open(), target: target)
            let model = try QualityPredictor.train(examples, target: target, spec: .standard(dimensions: dimensions, excluding: target), folds: folds,
                                                   mlp: noMLP ? nil : .init(epochs: 30, seed: seed), seed: seed)
            let path = out ?? "predictor-\(target).json"
            try model.save(to: path)
            if json {
                return Console.output(JSONOutput.render(JSONOutput.finite(["target": target, "examples": model.examples, "chosen": model.trials[model.chosen].label, "model": path,
                                                         "held_out": ["r2": model.heldOut.r2, "mae": model.heldOut.mae, "spearman": model.heldOut.spearman],
                                                         "trials": model.trials.map { ["model": $0.label, "r2": $0.heldOut.r2, "mae": $0.heldOut.mae, "spearman": $0.heldOut.spearman] }] as [String: Any])))
            }
            var table = TextTable(columns: [.init("model"), .init("R²", .right), .init("MAE", .right), .init("Spearman", .right), .init("")])
            for (index, trial) in model.trials.enumerated() {
                table.append([trial.label, String(format: "%.3f", trial.heldOut.r2), String(format: "%.3f", trial.heldOut.mae),
                              String(format: "%.3f", trial.heldOut.spearman), index == model.chosen ? "← chosen" : ""])
            }
            Console.output("\(model.examples) chapters, target \(target), \(folds)-fold cross-validation, \(model.spec.width) features\n" + table.render()
                + String(format: "held out: R² %.3f, MAE %.3f, Spearman %.3f; model written to %@\n", model.heldOut.r2, model.heldOut.mae, model.heldOut.spearman, path))
        }

        /// Every book's kept chapter versions with a score for the target: `quality` and the
        /// metrics from the heuristic scorer, `judge.<dimension>` the mean of the judges' scores.
        static func stored(_ database: WorkbenchDatabase, target: String) throws -> [TrainingExample] {
            var examples: [TrainingExample] = []
            for book in try database.books() {
                let versions = try database.latestChapterVersions(bookID: book.id)
                let scores = try database.scores(versionIDs: versions.compactMap(\.id))
                for version in versions {
                    guard let id = version.id, let byScorer = scores[id] else { continue }
                    let value: Double?
                    if target.hasPrefix("judge.") {
                        let dimension = String(target.dropFirst("judge.".count))
                        let values = byScorer.filter { $0.key.hasPrefix("judge:") }.compactMap { $0.value[dimension] }
                        value = values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                    } else {
                        value = byScorer.first { $0.key.hasPrefix("heuristic") }?.value[target]
                    }
                    if let value { examples.append(TrainingExample(text: version.text, target: value, source: "book \(book.id) chapter \(version.chapter) v\(version.version)")) }
                }
            }
            guard !examples.isEmpty else {
                throw LearningError.invalidData(source: "the workspace", problem: "no kept chapter has a `\(target)` score (generate or import books first)")
            }
            return examples
        }

        /// JSON lines, each with `text` and a finite number under the target's name; errors name file:line.
        static func read(_ file: String, target: String) throws -> [TrainingExample] {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw LearningError.invalidData(source: file, problem: "missing, unreadable or not UTF-8")
            }
            var examples: [TrainingExample] = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                let source = "\(file):\(index + 1)"
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    throw LearningError.invalidData(source: source, problem: "not a JSON object")
                }
                guard let chapter = object["text"] as? String else { throw LearningError.invalidData(source: source, problem: "no `text` string") }
                guard let value = (object[target] as? NSNumber)?.doubleValue, !(object[target] is Bool) else {
                    throw LearningError.invalidData(source: source, problem: "no number under `\(target)` (the --target)")
                }
                examples.append(TrainingExample(text: chapter, target: value, source: source))
            }
            return examples
        }
    }
}

