//! Members and their stored cards.

/// A card stored on a member. `physical_seq` never changes and is never reused.
#[derive(Debug, Clone)]
pub(crate) struct StoredCard {
    pub(crate) physical_seq: u32,
    pub(crate) number: String,
    /// `YYMM`.
    pub(crate) expire: String,
    pub(crate) holder_name: String,
    pub(crate) card_name: String,
    pub(crate) default: bool,
    pub(crate) deleted: bool,
}

/// A member of a site.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) cards: Vec<StoredCard>,
    pub(crate) next_seq: u32,
}

/// How `CardSeq` is counted (`SeqMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqMode {
    /// `0`: numbers over live cards only; they shift after a deletion.
    Logical,
    /// `1`: permanent slot numbers; deleted cards stay listed.
    Physical,
}

impl Member {
    pub(crate) fn new(id: String, name: String) -> Self {
        Self {
            id,
            name,
            cards: Vec::new(),
            next_seq: 0,
        }
    }

    /// Number of live cards.
    pub(crate) fn live_cards(&self) -> usize {
        self.cards.iter().filter(|c| !c.deleted).count()
    }

    /// Index in `cards` of the card `seq` designates in `mode` (deleted cards only in physical
    /// mode).
    pub(crate) fn find(&self, mode: SeqMode, seq: u32) -> Option<usize> {
        match mode {
            SeqMode::Physical => self.cards.iter().position(|c| c.physical_seq == seq),
            SeqMode::Logical => self
                .cards
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.deleted)
                .nth(usize::try_from(seq).ok()?)
                .map(|(i, _)| i),
        }
    }

    /// The `CardSeq` of `cards[index]` in `mode`.
    pub(crate) fn seq_of(&self, mode: SeqMode, index: usize) -> u32 {
        match mode {
            SeqMode::Physical => self.cards[index].physical_seq,
            SeqMode::Logical => {
                let live_before = self.cards[..index].iter().filter(|c| !c.deleted).count();
                u32::try_from(live_before).unwrap_or(u32::MAX)
            }
        }
    }

    /// Adds a card and returns its index.
    pub(crate) fn add(&mut self, mut card: StoredCard) -> usize {
        card.physical_seq = self.next_seq;
        self.next_seq += 1;
        if card.default {
            self.clear_default();
        }
        self.cards.push(card);
        self.cards.len() - 1
    }

    /// Makes no card the default one.
    pub(crate) fn clear_default(&mut self) {
        for c in &mut self.cards {
            c.default = false;
        }
    }
}
