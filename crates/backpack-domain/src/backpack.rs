//! My e-Backpack across its areas: the overview (counts and timeline), the
//! full-text search with filters, and collections that group items of any
//! area.

use std::sync::Arc;

use time::macros::format_description;
use time::{Date, Time};
use uuid::Uuid;

use crate::certificates::parse_day;
use crate::entities::{Area, Collection, Item, ItemQuery, ItemRef, User};
use crate::ports::{Clock, Store};
use crate::{DomainError, FieldError};

/// Items per page of the timeline and of search results.
pub const PAGE_SIZE: i64 = 25;
pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_COLLECTIONS: usize = 500;
pub const MAX_COLLECTION_NAME_CHARS: usize = 100;
pub const MAX_COLLECTION_DESCRIPTION_CHARS: usize = 2000;

/// A search as a form sends it (all optional).
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub q: String,
    pub area: String,
    pub tag: String,
    pub issuer: String,
    pub from: String,
    pub to: String,
    /// 1-based.
    pub page: i64,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<Item>,
    pub page: i64,
    pub has_next: bool,
}

/// The overview of `/backpack`.
#[derive(Debug, Clone)]
pub struct Overview {
    pub counts: Vec<(Area, i64)>,
    pub collections: i64,
    pub has_portfolio: bool,
    pub tags: Vec<String>,
    pub issuers: Vec<String>,
}

fn unix_of_day(day: &str, end: bool) -> Option<i64> {
    let f = format_description!("[year]-[month]-[day]");
    let d = Date::parse(day, &f).ok()?;
    let t = if end {
        Time::from_hms(23, 59, 59).ok()?
    } else {
        Time::MIDNIGHT
    };
    Some(d.with_time(t).assume_utc().unix_timestamp())
}

/// Check a search form; bad dates or an unknown area are field errors.
pub fn query_of(input: &SearchInput) -> Result<ItemQuery, DomainError> {
    let mut errors = Vec::new();
    let norm = |s: &str| -> Option<String> {
        let t: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_QUERY_CHARS)
            .collect::<String>()
            .to_lowercase();
        (!t.is_empty()).then_some(t)
    };
    let area = match input.area.trim() {
        "" => None,
        a => {
            let parsed = Area::parse(a);
            if parsed.is_none() {
                errors.push(FieldError::new("area", "choose_one"));
            }
            parsed
        }
    };
    let mut day = |field: &'static str, raw: &str| -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let d = parse_day(raw);
        if d.is_none() {
            errors.push(FieldError::new(field, "date_invalid"));
        }
        d
    };
    let from = day("from", &input.from);
    let to = day("to", &input.to);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let page = input.page.clamp(1, 100_000);
    Ok(ItemQuery {
        text: norm(&input.q),
        area,
        tag: norm(&input.tag).map(|t| t.replace(',', "")),
        issuer: norm(&input.issuer),
        from_unix: from.as_deref().and_then(|d| unix_of_day(d, false)),
        to_unix: to.as_deref().and_then(|d| unix_of_day(d, true)),
        from,
        to,
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE + 1,
    })
}

/// What a collection form sends.
pub struct CollectionInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
}

fn check_collection(input: &CollectionInput<'_>) -> Result<(String, String), DomainError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "required"));
    } else if name.chars().count() > MAX_COLLECTION_NAME_CHARS || name.chars().any(char::is_control)
    {
        errors.push(FieldError::new("name", "too_long"));
    }
    let description = input.description.trim();
    if description.chars().count() > MAX_COLLECTION_DESCRIPTION_CHARS {
        errors.push(FieldError::new("description", "too_long"));
    }
    if errors.is_empty() {
        Ok((name.to_owned(), description.replace("\r\n", "\n")))
    } else {
        Err(DomainError::Invalid(errors))
    }
}

pub struct Backpack {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Backpack {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Backpack { store, clock }
    }

    pub async fn overview(&self, user: &User) -> Result<Overview, DomainError> {
        let mut counts: Vec<(Area, i64)> = Area::ALL.iter().map(|a| (*a, 0)).collect();
        for (area, n) in self.store.count_items(user.id).await? {
            if let Some(c) = counts.iter_mut().find(|(a, _)| *a == area) {
                c.1 += n;
            }
        }
        let (tags, issuers) = self.store.item_facets(user.id).await?;
        Ok(Overview {
            counts,
            collections: self.store.list_collections(user.id).await?.len() as i64,
            has_portfolio: self.store.find_portfolio(user.id).await?.is_some(),
            tags,
            issuers,
        })
    }

    /// The timeline (no filters) or search results, newest first.
    pub async fn search(
        &self,
        user: &User,
        input: &SearchInput,
    ) -> Result<SearchPage, DomainError> {
        let q = query_of(input)?;
        let mut items = self.store.search_items(user.id, &q).await?;
        let has_next = items.len() as i64 > PAGE_SIZE;
        items.truncate(PAGE_SIZE as usize);
        Ok(SearchPage {
            items,
            page: q.offset / PAGE_SIZE + 1,
            has_next,
        })
    }

    /// The most recent credentials (certificates, badges, portal
    /// certificates), for choosing evidence or links.
    pub async fn recent_credentials(
        &self,
        user: &User,
        limit: i64,
    ) -> Result<Vec<Item>, DomainError> {
        let mut items: Vec<Item> = Vec::new();
        for area in [Area::Certificate, Area::Badge, Area::Portal] {
            let q = ItemQuery {
                area: Some(area),
                limit,
                ..Default::default()
            };
            items.extend(self.store.search_items(user.id, &q).await?);
        }
        items.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(&b.id)));
        items.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(items)
    }

    /// The user's items among `refs` (unknown or foreign ones are dropped).
    pub async fn items(&self, user: &User, refs: &[ItemRef]) -> Result<Vec<Item>, DomainError> {
        let ids: Vec<Uuid> = refs.iter().map(|r| r.id).take(500).collect();
        Ok(self
            .store
            .find_items(user.id, &ids)
            .await?
            .into_iter()
            .filter(|i| refs.contains(&i.item_ref()))
            .collect())
    }

    /// The item, if the user has it.
    pub async fn item(&self, user: &User, r: ItemRef) -> Result<Item, DomainError> {
        self.items(user, &[r])
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::NotFound)
    }

    pub async fn collections(&self, user: &User) -> Result<Vec<(Collection, i64)>, DomainError> {
        Ok(self.store.list_collections(user.id).await?)
    }

    pub async fn create_collection(
        &self,
        user: &User,
        input: CollectionInput<'_>,
    ) -> Result<Collection, DomainError> {
        let (name, description) = check_collection(&input)?;
        if self.store.list_collections(user.id).await?.len() >= MAX_COLLECTIONS {
            return Err(DomainError::field("name", "too_many"));
        }
        let now = self.clock.unix();
        let c = Collection {
            id: Uuid::new_v4(),
            user_id: user.id,
            name,
            description,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_collection(&c).await?;
        Ok(c)
    }

    pub async fn collection(
        &self,
        user: &User,
        id: Uuid,
    ) -> Result<(Collection, Vec<Item>), DomainError> {
        let c = self
            .store
            .find_collection(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let items = self.store.collection_items(user.id, id).await?;
        Ok((c, items))
    }

    pub async fn update_collection(
        &self,
        user: &User,
        id: Uuid,
        input: CollectionInput<'_>,
    ) -> Result<Collection, DomainError> {
        let existing = self
            .store
            .find_collection(user.id, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let (name, description) = check_collection(&input)?;
        let c = Collection {
            name,
            description,
            updated_at: self.clock.unix(),
            ..existing
        };
        if self.store.update_collection(&c).await? {
            Ok(c)
        } else {
            Err(DomainError::NotFound)
        }
    }

    pub async fn delete_collection(&self, user: &User, id: Uuid) -> Result<(), DomainError> {
        if self.store.delete_collection(user.id, id).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// Add one of the user's items to one of their collections.
    pub async fn add_to_collection(
        &self,
        user: &User,
        id: Uuid,
        item: ItemRef,
    ) -> Result<(), DomainError> {
        // The item must be the user's (an id from elsewhere is refused).
        self.item(user, item).await?;
        if self
            .store
            .add_to_collection(user.id, id, item, self.clock.unix())
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    pub async fn remove_from_collection(
        &self,
        user: &User,
        id: Uuid,
        item: ItemRef,
    ) -> Result<(), DomainError> {
        if self.store.remove_from_collection(user.id, id, item).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// The collections an item is in.
    pub async fn collections_of(
        &self,
        user: &User,
        item_id: Uuid,
    ) -> Result<Vec<Collection>, DomainError> {
        Ok(self.store.collections_of(user.id, item_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_form_becomes_a_bounded_query() {
        let q = query_of(&SearchInput {
            q: "  Machine LEARNING ".into(),
            area: "badge".into(),
            tag: "AI".into(),
            from: "2024-01-01".into(),
            to: "2024-12-31".into(),
            page: 3,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(q.text.as_deref(), Some("machine learning"));
        assert_eq!(q.area, Some(Area::Badge));
        assert_eq!(q.tag.as_deref(), Some("ai"));
        assert_eq!(q.offset, 2 * PAGE_SIZE);
        assert_eq!(q.limit, PAGE_SIZE + 1);
        assert_eq!(q.from_unix, Some(1_704_067_200));
        assert_eq!(q.to_unix, Some(1_735_689_599));
        let empty = query_of(&SearchInput::default()).unwrap();
        assert_eq!((empty.text, empty.area, empty.offset), (None, None, 0));
    }

    #[test]
    fn bad_filters_are_field_errors() {
        let e = query_of(&SearchInput {
            area: "secrets".into(),
            from: "yesterday".into(),
            ..Default::default()
        })
        .unwrap_err();
        let DomainError::Invalid(errs) = e else {
            panic!("field errors expected")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["area", "from"]);
    }

    #[test]
    fn collection_names_are_required_and_bounded() {
        assert!(check_collection(&CollectionInput {
            name: " ",
            description: ""
        })
        .is_err());
        let long = "n".repeat(MAX_COLLECTION_NAME_CHARS + 1);
        assert!(check_collection(&CollectionInput {
            name: &long,
            description: ""
        })
        .is_err());
        assert_eq!(
            check_collection(&CollectionInput {
                name: " Job ",
                description: "a\r\nb"
            })
            .unwrap(),
            ("Job".to_owned(), "a\nb".to_owned())
        );
    }
}
