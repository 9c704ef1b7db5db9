//! Follow-up questions: a member's reply to one of careerbot's answers is
//! read in the context of the question that answer answered. A follow-up
//! that names a subject of the knowledge base (a word of an article's
//! title: "and what about front-end developers?") stands alone; one that
//! does not ("and how much do they earn?", "any courses for that?") carries
//! the earlier question's subject over. The subjects come from the
//! knowledge's own titles, never from a word list. A reply that asks about
//! nothing the knowledge has a heading for ("thanks!") is no question.

use super::Engine;
use crate::search::Concept;

impl Engine {
    /// The question `follow_up` asks, after `earlier`: itself when it names
    /// a subject of the knowledge base or the earlier question had none to
    /// carry, else itself followed by the earlier question's subject (its
    /// concepts that name an article, or, when none does, all its concepts
    /// the knowledge base knows). `None` when it is no question (no question
    /// mark: "thanks!", "that worked") or asks about nothing the knowledge
    /// base has a heading for: it gets no answer.
    pub fn follow_up(&self, earlier: &str, follow_up: &str) -> Option<String> {
        let names_subject =
            |c: &Concept| c.is_matched() && c.forms.iter().any(|f| self.profiles.names_subject(f));
        // A reply in a conversation asks when it says so: "that worked,
        // thanks!" and "great, that helps" are not questions, however many
        // of their words the knowledge holds, and a subject added to them
        // must not make questions of them.
        if !follow_up.contains(['?', '？', '؟']) {
            return None;
        }
        // On its own it must ask about something the knowledge has a title,
        // heading or phrasing for.
        let own = self.understand(follow_up);
        let asks = |c: &Concept| c.is_matched() && c.topical && !c.weak;
        if !own.in_scope || !own.concepts.iter().any(asks) {
            return None;
        }
        if own.concepts.iter().any(names_subject) {
            return Some(follow_up.to_string());
        }
        let before = self.understand(earlier);
        let mut carried: Vec<&str> = before
            .concepts
            .iter()
            .filter(|c| names_subject(c))
            .map(|c| c.label.as_str())
            .collect();
        if carried.is_empty() {
            carried = before
                .concepts
                .iter()
                .filter(|c| c.is_matched() && !c.weak)
                .map(|c| c.label.as_str())
                .collect();
        }
        // A concept the follow-up already holds is not repeated.
        carried.retain(|label| !own.concepts.iter().any(|c| c.label == *label));
        Some(if carried.is_empty() {
            follow_up.to_string()
        } else {
            format!("{} {}", follow_up.trim(), carried.join(" "))
        })
    }
}
