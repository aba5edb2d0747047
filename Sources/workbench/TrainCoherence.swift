import ArgumentParser
import Foundation
import Experiments
import Learning
import Quality
import WorkbenchCore

extension Workbench {
    struct Coherence: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coherence",
            abstract: "Train the coherence discriminator on a folder of novels against perturbed copies of their chapters.",
            discussion: """
                Every .txt file in --corpus is a novel. Chapters are cut from each, perturbed with \
                the discrimination families of `metrics validate` (sentence and paragraph order, \
                sentences from another book, repetition, character confusion, negation, \
                connectives), and a logistic ranker over the coherence features learns to put the \
                original first. Prints pairwise accuracy per family on the training novels and on \
                the held-out ones, and writes the model to --out. The build ships \
                models/coherence.json: to ship a new one, write it there and run `make coherence-model`.
                """)

        @Option(help: ArgumentHelp("A folder of plain-text novels (.txt).", valueName: "dir"))
        var corpus: String

        @Option(name: .customLong("hold-out"), help: ArgumentHelp("Novels kept out of training: a count (the last N by file name) or file names without .txt, comma-separated.", valueName: "N|names"))
        var holdOut: String = "2"

        @Option(help: "Chapters drawn from each novel.")
        var chapters: Int = 25

        @Option(help: "Seed of the chapter draw and the perturbations.")
        var seed: UInt64 = 11

        @Option(help: ArgumentHelp("Where to write the model.", valueName: "file"))
        var out: String = "coherence-model.json"

        func validate() throws {
            if chapters < 1 { throw ValidationError("--chapters must be at least 1") }
        }

        func run() throws {
            let novels = try ValidationCorpus.load(folder: corpus)
            let names = novels.map(\.name)
            let heldOut: Set<String>
            if let count = Int(holdOut) {
                guard count >= 0, count < names.count else { throw ValidationError("--hold-out \(count) leaves nothing to train on: the corpus has \(names.count) novels") }
                heldOut = Set(names.suffix(count))
            } else {
                heldOut = Set(holdOut.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            var options = CoherenceTrainer.Options(heldOut: heldOut)
            options.chaptersPerNovel = chapters
            options.seed = seed
            let result = try CoherenceTrainer.train(novels.map { CoherenceTrainer.Novel(name: $0.name, text: $0.text) }, options: options)
            var lines = ["coherence discriminator \(result.model.version): trained on \(result.model.trainedOn.joined(separator: ", "))",
                         "held out: \(result.model.heldOut.isEmpty ? "none" : result.model.heldOut.joined(separator: ", "))",
                         "pairs: \(result.trainingPairs) training, \(result.heldOutPairs) held out",
                         "", "family                 train   held-out"]
            for family in options.families {
                let train = result.trainingAccuracy[family].map { String(format: "%5.1f%%", $0 * 100) } ?? "    –"
                let held = result.heldOutAccuracy[family].map { String(format: "%5.1f%%", $0 * 100) } ?? "    –"
                lines.append(family.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0) + " " + train + "   " + held)
            }
            try Console.write(String(decoding: try result.model.encoded(), as: UTF8.self) + "\n", to: out)
            lines.append("")
            lines.append("wrote \(out) (\(result.model.fingerprint))")
            Console.output(lines.joined(separator: "\n") + "\n")
        }
    }
}
