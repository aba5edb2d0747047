/// A name as it occurs: its form and the tokens it spans (title included).
struct NameMention: Sendable {
    var form: NameForm
    var first: Int
    var last: Int
}

extension TokenizedChapter {
    /// Capitalised words met away from a sentence start, lowercased: the words that can be names
    /// (as `Quality`'s coherence reading finds them). Collected over the whole book before mentions are read.
    func nameWords(into words: inout Set<String>) {
        for token in tokens where token.isWord && token.capitalised && !token.sentenceStart && token.lower.utf8.count >= 2 {
            if PatternLexicon.notNames.contains(token.lower) || Title.reading(token.lower) != nil { continue }
            words.insert(token.lower)
        }
    }

    /// Every name mention: an optional title (with or without its stop), then up to four
    /// adjacent capitalised name words.
    func nameMentions(nameWords: Set<String>) -> [NameMention] {
        var result: [NameMention] = []
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            guard token.isWord, token.capitalised else { index += 1; continue }
            var cursor = index
            var title: Title?
            if let found = Title.reading(token.lower) {
                var next = index + 1
                if next < tokens.count, tokens[next].kind == .period { next += 1 }
                // A title counts only before a capitalised word ("Mr Hale"), not alone ("Sir," in address).
                if next < tokens.count, tokens[next].isWord, tokens[next].capitalised, Title.reading(tokens[next].lower) == nil {
                    title = found
                    cursor = next
                }
            }
            var parts: [String] = []
            var last = cursor
            while cursor < tokens.count, parts.count < 4, tokens[cursor].isWord, tokens[cursor].capitalised,
                  title != nil && parts.isEmpty || nameWords.contains(tokens[cursor].lower), Title.reading(tokens[cursor].lower) == nil,
                  tokens[cursor].paragraph == token.paragraph,
                  parts.isEmpty || !tokens[cursor].sentenceStart {
                parts.append(String(decoding: bytes[tokens[cursor].bytes], as: UTF8.self).replacingOccurrences(of: "\u{2019}", with: "'"))
                last = cursor
                cursor += 1
            }
            if parts.isEmpty {
                index += 1
                continue
            }
            result.append(NameMention(form: NameForm(title: title, parts: parts), first: index, last: last))
            index = last + 1
        }
        return result
    }

    /// What each mention shows about its form: pronouns after it, deeds, places.
    func nameEvidence(_ mentions: [NameMention], into evidence: inout [NameForm: NameEvidence]) {
        var mentionStarts = Set(mentions.map(\.first))
        mentionStarts.reserveCapacity(mentions.count)
        for mention in mentions {
            var seen = NameEvidence(mentions: 1)
            let after = mention.last + 1, before = mention.first - 1
            if after < tokens.count, tokens[after].isWord, PatternLexicon.deeds.contains(tokens[after].lower) || tokens[after].lower == "died" { seen.asPerson += 1 }
            if before >= 0, tokens[before].isWord, PatternLexicon.speechTags.contains(tokens[before].lower) { seen.asPerson += 1 }
            if before >= 0, tokens[before].isWord, ["in", "at", "to", "from", "near"].contains(tokens[before].lower) { seen.asPlace += 1 }
            if !tokens[mention.first].inDialogue {
                var cursor = after
                let sentence = tokens[mention.first].sentence
                while cursor < tokens.count, tokens[cursor].sentence == sentence, !mentionStarts.contains(cursor), cursor - after < 25 {
                    let word = tokens[cursor].lower
                    if tokens[cursor].isWord, !tokens[cursor].inDialogue {
                        if PatternLexicon.pronounsMale.contains(word) { seen.male += 1; break }
                        if PatternLexicon.pronounsFemale.contains(word) { seen.female += 1; break }
                    }
                    cursor += 1
                }
            }
            evidence[mention.form, default: NameEvidence()].add(seen)
        }
    }
}
