import ArgumentParser
import Experiments
import Foundation
import Quality

extension Workbench {
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the quality metrics themselves: do they tell a chapter from a damaged copy of it?",
            subcommands: [Validate.self])
    }
}

extension Workbench.Metrics {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every metric on perturbed chapters of real novels (discrimination and invariance).",
            discussion: """
                Cuts each novel of --corpus (UTF-8 .txt files) into chapters, draws --samples of \
                them and compares each with perturbed copies. Discrimination families (the copy \
                is worse): sentence-order, paragraph-order, substitution (sentences of another \
                novel), repetition, character-confusion, negation, connectives; the table gives \
                the share of pairs where the original scores better, per metric. Invariance \
                families (the copy is as good): typos, contractions, punctuation, synonyms; the \
                table gives the share of pairs whose composite moved by 0.2 or less, and each \
                metric's mean |Δ|. Intervals are Wilson 95%. An empty folder, a binary or \
                non-UTF-8 file, or a novel too short for a chapter exits 65.
                """)

        @Option(help: ArgumentHelp("A folder of novels as UTF-8 .txt files (two or more for substitution).", valueName: "dir"))
        var corpus: String

        @Option(help: ArgumentHelp("all, or a comma-separated list of families.", valueName: "list"))
        var perturbations: String = "all"

        @Option(help: ArgumentHelp("Chapters to draw, spread over the novels; each is perturbed by every family.", valueName: "n"))
        var samples: Int = 40

        @Option(help: ArgumentHelp("Seed of the chapter draw and of every perturbation.", valueName: "n"))
        var seed: UInt64 = 1

        @Flag(help: "Print the result as JSON on standard output instead of the tables.")
        var json = false

        @Option(name: .customLong("markdown-out"), help: ArgumentHelp("Also write the Markdown tables here.", valueName: "path"))
        var markdownOut: String?

        /// `--markdown PATH`, as issue 14 spells it: the same as --markdown-out.
        @Option(name: .customLong("markdown"), help: .hidden)
        var markdown: String?

        func validate() throws {
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
            if markdown != nil && markdownOut != nil { throw ValidationError("give --markdown-out once") }
            _ = try families()
        }

        /// The families --perturbations names, in the order given, each once.
        func families() throws -> [Perturbation] {
            let valid = "all, " + Perturbation.allCases.map(\.rawValue).joined(separator: ", ")
            let names = perturbations.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw ValidationError("--perturbations is empty; valid names: \(valid)") }
            if names == ["all"] { return Perturbation.allCases }
            var families: [Perturbation] = []
            for name in names {
                guard let family = Perturbation(rawValue: name) else { throw ValidationError("unknown perturbation '\(name)'; valid names: \(valid)") }
                if !families.contains(family) { families.append(family) }
            }
            return families
        }

        func run() throws {
            let novels = try ValidationCorpus.load(folder: corpus)
            let result = try MetricsValidation.run(novels, options: .init(perturbations: try families(), samples: samples, seed: seed))
            Console.output(json ? MetricsValidationReport.json(result) : MetricsValidationReport.terminal(result, style: Console.style))
            if let path = markdownOut ?? markdown {
                try Console.write(MetricsValidationReport.markdown(result), to: path)
                if json { Console.error("wrote \(path)") } else { Console.output("wrote \(path)\n") }
            }
        }
    }
}
