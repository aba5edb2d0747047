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
            subcommands: [Predictor.self, Preferences.self, Coherence.self])
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict chapters' quality (or the model's metric) from their text with a trained predictor.")

        @Argument(help: ArgumentHelp("Chapter text files (- reads standard input).", valueName: "file"))
        var files: [String] = []

        @Option(help: ArgumentHelp("Predict every chapter of this outline (YAML or JSON) before it is written, with a model trained on outlines.", valueName: "file"))
        var outline: String?

        @Option(help: ArgumentHelp("With --outline: the prompt version the chapters will be written with.", valueName: "version"))
        var prompts: String?

        @Option(help: ArgumentHelp("The model written by `train predictor`.", valueName: "model"))
        var model: String = "predictor-quality.json"

        @Flag(help: "Print JSON: one object per file with `file` and `prediction`.")
        var json = false

        func validate() throws {
            guard files.isEmpty != (outline == nil) else { throw ValidationError("give chapter files, or --outline FILE (one of them)") }
        }

        func run() throws {
            let predictor = try QualityPredictor.load(from: model)
            if let outline {
                let plan = try Workbench.Generate.readOutline(outline)
                let inputs = plan.chapters.map { OutlineInput(outline: plan, chapter: $0.number, prompts: prompts) }
                let predictions = try predictor.predict(outlines: inputs)
                if json {
                    let rows: [[String: Any]] = zip(plan.chapters, predictions).map { ["file": outline, "chapter": $0.number, "title": $0.title, "prediction": $1, "target": predictor.target] }
                    return Console.output(JSONOutput.renderWithNulls(rows))
                }
                var table = TextTable(columns: [.init("chapter", .right), .init("title"), .init(predictor.target, .right)])
                for (chapter, value) in zip(plan.chapters, predictions) { table.append(["\(chapter.number)", chapter.title, String(format: "%.2f", value)]) }
                return Console.output(table.render())
            }
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
                return Console.output(JSONOutput.renderWithNulls(rows))
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

        @Flag(help: "With --from-runs: learn from each chapter's planned outline instead of its text (for `predict --outline`).")
        var outlines = false

        @Option(help: ArgumentHelp("What to predict: quality, or a metric's name (the JSONL field).", valueName: "name"))
        var target: String = "quality"

        @Option(help: ArgumentHelp("Where to write the model (default: predictor-<target>.json).", valueName: "model"))
        var out: String?

        @Option(help: "Cross-validation folds.")
        var folds: Int = 5

        @Option(help: "Width of the hashed n-gram block (a power of two; outlines use 1,024 unless given).")
        var dimensions: Int?

        @Option(help: "Seed of the fold assignment.")
        var seed: UInt64 = 1

        @Flag(name: .customLong("no-mlp"), help: "Cross-validate ridge penalties only, not the one-hidden-layer MLP beside them.")
        var noMLP = false

        @Flag(help: "Print the training report as JSON.")
        var json = false

        func validate() throws {
            if let dimensions, dimensions < 16 || dimensions & (dimensions - 1) != 0 { throw ValidationError("--dimensions must be a power of two, at least 16") }
            guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
            guard (data == nil) != !fromRuns else { throw ValidationError("give --data FILE.jsonl or --from-runs (one of them)") }
            guard !outlines || fromRuns else { throw ValidationError("--outlines goes with --from-runs; in --data, give each line an `outline` instead of a `text`") }
        }

        func run() throws {
            let examples = try data.map { try Self.read($0, target: target) } ?? Self.stored(try workspace.open(), target: target, outlines: outlines)
            let fromOutlines = examples.first?.outline != nil
            let spec = fromOutlines ? OutlineFeatures.spec(dimensions: dimensions ?? 1024) : .standard(dimensions: dimensions ?? 4096, excluding: target)
            let model = try QualityPredictor.train(examples, target: target, spec: spec, folds: folds,
                                                   mlp: noMLP ? nil : .init(epochs: 30, seed: seed), seed: seed, data: data ?? "the workspace")
            let path = out ?? "predictor-\(target).json"
            try model.save(to: path)
            if json {
                return Console.output(JSONOutput.renderWithNulls(["target": target, "examples": model.examples, "chosen": model.trials[model.chosen].label, "model": path,
                                                         "held_out": ["r2": model.heldOut.r2, "mae": model.heldOut.mae, "spearman": model.heldOut.spearman],
                                                         "trials": model.trials.map { ["model": $0.label, "r2": $0.heldOut.r2, "mae": $0.heldOut.mae, "spearman": $0.heldOut.spearman] }] as [String: Any]))
            }
            var table = TextTable(columns: [.init("model"), .init("R²", .right), .init("MAE", .right), .init("Spearman", .right), .init("")])
            for (index, trial) in model.trials.enumerated() {
                table.append([trial.label, String(format: "%.3f", trial.heldOut.r2), String(format: "%.3f", trial.heldOut.mae),
                              String(format: "%.3f", trial.heldOut.spearman), index == model.chosen ? "← chosen" : ""])
            }
            Console.output("\(model.examples) \(fromOutlines ? "planned " : "")chapters, target \(target), \(folds)-fold cross-validation, \(model.spec.width) features\n" + table.render()
                + String(format: "held out: R² %.3f, MAE %.3f, Spearman %.3f; model written to %@\n", model.heldOut.r2, model.heldOut.mae, model.heldOut.spearman, path))
        }

        /// Every book's kept chapter versions with a score for the target: `quality` and the
        /// metrics from the heuristic scorer, `judge.<dimension>` the mean of the judges' scores.
        static func stored(_ database: WorkbenchDatabase, target: String, outlines: Bool) throws -> [TrainingExample] {
            var examples: [TrainingExample] = []
            for book in try database.books() {
                // Outline chapters are the stored chapters only in generated and imported books
                // (A/B tests and regression runs store samples under other numbers).
                let plan = outlines ? book.outlineJSON.flatMap { try? JSONDecoder().decode(Outline.self, from: Data($0.utf8)) } : nil
                if outlines {
                    guard plan != nil, try database.run(matching: book.runID.rawValue).kind == .generate else { continue }
                }
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
                    guard let value else { continue }
                    let source = "book \(book.id) chapter \(version.chapter) v\(version.version)"
                    if let plan {
                        examples.append(TrainingExample(outline: OutlineInput(outline: plan, chapter: version.chapter), target: value, source: source))
                    } else {
                        examples.append(TrainingExample(text: version.text, target: value, source: source))
                    }
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
                // JSON true/false also arrive as NSNumber (and 0 or 1 would pass `is Bool`): tell them apart by their C type.
                guard let number = object[target] as? NSNumber, String(cString: number.objCType) != "c" else {
                    throw LearningError.invalidData(source: source, problem: "no number under `\(target)` (the --target)")
                }
                let value = number.doubleValue
                guard value.isFinite, abs(value) <= QualityPredictor.targetLimit else {
                    throw LearningError.invalidData(source: source, problem: "`\(target)` (the target) is \(number), not a finite number within ±\(String(format: "%g", QualityPredictor.targetLimit))")
                }
                // One kind per file: every line an outline, or every line a text.
                let isOutline = object["outline"] != nil
                if let first = examples.first, (first.outline != nil) != isOutline {
                    throw LearningError.invalidData(source: source, problem: "\(isOutline ? "an outline" : "a text"), but \(first.source) is \(isOutline ? "a text" : "an outline"): train on one kind at a time")
                }
                if let plan = object["outline"] {
                    // {"outline": {title, logline, obsession, setting, characters, chapters}, "chapter": 3, "prompts": "v1", "quality_target": 8.5}
                    guard let number = object["chapter"] as? Int else { throw LearningError.invalidData(source: source, problem: "an `outline` line needs the `chapter` it scores") }
                    let outline: Outline
                    do {
                        outline = try JSONDecoder().decode(Outline.self, from: JSONSerialization.data(withJSONObject: plan))
                    } catch {
                        throw LearningError.invalidData(source: source, problem: "`outline` is not an outline: \(error)")
                    }
                    examples.append(TrainingExample(outline: OutlineInput(outline: outline, chapter: number, prompts: object["prompts"] as? String,
                                                                          qualityTarget: (object["quality_target"] as? NSNumber)?.doubleValue), target: value, source: source))
                    continue
                }
                guard let chapter = object["text"] as? String else { throw LearningError.invalidData(source: source, problem: "no `text` string (or `outline` and `chapter`)") }
                examples.append(TrainingExample(text: chapter, target: value, source: source))
            }
            guard !examples.isEmpty else { throw LearningError.invalidData(source: file, problem: "no examples: the file has no JSON lines") }
            return examples
        }
    }
}


extension Workbench.Train {
    struct Preferences: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn from reader feedback: ratings (or likes) → a predictor on chapter text; pairwise preferences → Bradley–Terry strengths.",
            discussion: """
                Ratings: each chapter version's mean rating (or log(1 + likes) with --target likes) is \
                learned from its text as `train predictor` does, and the model written to --out \
                (`workbench predict --model` then gives a reader score). Preferences: every \
                version compared is given a Bradley–Terry strength with a bootstrap interval, \
                printed strongest first.
                """)

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: "What the ratings model predicts: rating (mean stars) or likes (log 1 + likes).")
        var target: String = "rating"

        @Option(help: ArgumentHelp("Where to write the ratings model (default: preferences-<target>.json).", valueName: "model"))
        var out: String?

        @Option(help: "Cross-validation folds for the ratings model.")
        var folds: Int = 5

        @Option(help: "Bootstrap resamples for the strengths' intervals.")
        var resamples: Int = 200

        @Option(help: "Bradley–Terry's L2 penalty.")
        var lambda: Double = 1

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard ["rating", "likes"].contains(target) else { throw ValidationError("--target is rating or likes") }
            guard lambda > 0 else { throw ValidationError("--lambda must be positive") }
        }

        func run() throws {
            let database = try workspace.open()
            let summaries = try database.feedbackSummaries(), preferences = try database.preferences()
            guard !summaries.isEmpty || !preferences.isEmpty else {
                throw LearningError.invalidData(source: "the workspace", problem: "no reader feedback yet (`workbench feedback add|import`)")
            }
            var report: [String: Any] = [:]
            var lines: [String] = []
            let values: [Int64: Double] = Dictionary(uniqueKeysWithValues: summaries.compactMap { summary in
                let value = target == "likes" ? summary.likes.map { log1p(Double($0)) } : summary.meanRating
                return value.map { (summary.versionID, $0) }
            })
            if !values.isEmpty {
                let versions = try database.chapterVersions(ids: Array(values.keys))
                let examples = values.keys.sorted().compactMap { id in
                    versions[id].map { TrainingExample(text: $0.text, target: values[id]!, source: "\($0.bookID):\($0.chapter) v\($0.version)") }
                }
                let model = try QualityPredictor.train(examples, target: "reader." + target, folds: folds, mlp: nil, data: "the workspace's reader feedback")
                let path = out ?? "preferences-\(target).json"
                try model.save(to: path)
                report["ratings"] = ["chapters": examples.count, "model": path, "chosen": model.trials[model.chosen].label,
                                     "held_out": ["r2": model.heldOut.r2, "mae": model.heldOut.mae, "spearman": model.heldOut.spearman]] as [String: Any]
                lines.append(String(format: "ratings: %d chapters, %@, held out R² %.3f, MAE %.3f, Spearman %.3f; model written to %@",
                                    examples.count, model.trials[model.chosen].label, model.heldOut.r2, model.heldOut.mae, model.heldOut.spearman, path))
            }
            if !preferences.isEmpty {
                let ids = Array(Set(preferences.flatMap { [$0.preferredVersionID, $0.otherVersionID] })).sorted()
                let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
                let fit = try BradleyTerry.fitWithIntervals(items: ids.count, comparisons: preferences.map { .init(winner: index[$0.preferredVersionID]!, loser: index[$0.otherVersionID]!) },
                                                            lambda: lambda, resamples: resamples)
                let versions = try database.chapterVersions(ids: ids)
                func chapter(_ item: Int) -> String { versions[ids[item]].map { "\($0.bookID):\($0.chapter)" } ?? "?" }
                let (low, high) = (fit.low ?? [], fit.high ?? [])
                report["preferences"] = ["comparisons": preferences.count, "leaderboard": fit.ranking.map { item -> [String: Any] in
                    ["chapter": chapter(item), "version_id": ids[item], "strength": fit.scores[item], "low": low[item], "high": high[item]]
                }] as [String: Any]
                var table = TextTable(columns: [.init("rank", .right), .init("chapter"), .init("strength", .right), .init("95% interval", .right)])
                for (rank, item) in fit.ranking.enumerated() {
                    table.append(["\(rank + 1)", chapter(item), String(format: "%+.2f", fit.scores[item]), String(format: "%+.2f…%+.2f", low[item], high[item])])
                }
                lines.append("preferences: \(preferences.count) comparisons of \(ids.count) chapters, Bradley–Terry (λ = \(lambda), \(resamples) bootstrap resamples)\n" + table.render())
            }
            Console.output(json ? JSONOutput.renderWithNulls(report) : lines.joined(separator: "\n") + "\n")
        }
    }
}
