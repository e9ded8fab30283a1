//! What the shop sells, with its prices: the server's, never the browser's.

/// A product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Product {
    /// Stable id, used in forms.
    pub id: &'static str,
    /// Name shown to customers.
    pub name: &'static str,
    /// Price in yen, tax included.
    pub price_yen: u32,
    /// One line about it.
    pub description: &'static str,
}

/// Everything on sale.
pub const PRODUCTS: &[Product] = &[
    Product {
        id: "matcha",
        name: "Uji matcha, 40 g",
        price_yen: 1_500,
        description: "Stone-ground first-flush tea from Uji, Kyoto.",
    },
    Product {
        id: "furoshiki",
        name: "Cotton furoshiki",
        price_yen: 2_800,
        description: "A 70 cm wrapping cloth, indigo-dyed.",
    },
    Product {
        id: "teapot",
        name: "Tokoname kyusu teapot",
        price_yen: 6_400,
        description: "A side-handled clay teapot from Tokoname.",
    },
    Product {
        id: "chopsticks",
        name: "Lacquered chopsticks",
        price_yen: 980,
        description: "Wajima lacquer, one pair.",
    },
];

/// The most of one product per order.
pub const MAX_QUANTITY: u32 = 10;

/// A product by id.
pub fn product(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// Why an order request cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderRequestError {
    /// No such product.
    #[error("there is no such product")]
    UnknownProduct,
    /// The quantity is not 1 to 10.
    #[error("the quantity must be a whole number from 1 to {MAX_QUANTITY}")]
    Quantity,
    /// A field is missing.
    #[error("the field `{0}` is missing")]
    Missing(&'static str),
    /// The request tried to set the price.
    #[error("the price is set by the shop: remove the `{0}` field")]
    Price(String),
}

impl OrderRequestError {
    /// A stable code for JSON answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownProduct => "unknown_product",
            Self::Quantity => "invalid_quantity",
            Self::Missing(_) => "missing_field",
            Self::Price(_) => "price_not_accepted",
        }
    }
}

/// A priced order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The product.
    pub product: &'static Product,
    /// How many.
    pub quantity: u32,
}

impl Line {
    /// The line's total in yen.
    pub fn total_yen(&self) -> u32 {
        self.product.price_yen * self.quantity
    }
}

/// Reads an order request's fields (form or JSON, as key/value text): `product` and `quantity`
/// (default 1). A field that tries to set the price (`amount`, `price`, `total`, `tax`, in any
/// case) is refused; others are ignored.
pub fn order_line<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Line, OrderRequestError> {
    let mut product_id = None;
    let mut quantity = None;
    for (key, value) in fields {
        let folded = key.to_ascii_lowercase();
        if ["amount", "price", "total", "tax", "price_yen"].contains(&folded.as_str()) {
            return Err(OrderRequestError::Price(folded));
        }
        match key {
            "product" => product_id = Some(value),
            "quantity" => quantity = Some(value),
            _ => {}
        }
    }
    let product = product(product_id.ok_or(OrderRequestError::Missing("product"))?)
        .ok_or(OrderRequestError::UnknownProduct)?;
    let quantity = match quantity {
        None => 1,
        Some(q) => q
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|q| (1..=MAX_QUANTITY).contains(q))
            .ok_or(OrderRequestError::Quantity)?,
    };
    Ok(Line { product, quantity })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_come_from_the_catalogue_only() {
        let line = order_line([("product", "teapot"), ("quantity", "2"), ("_csrf", "x")]).unwrap();
        assert_eq!(line.total_yen(), 12_800);
        assert_eq!(
            order_line([("product", "teapot"), ("Amount", "1")]),
            Err(OrderRequestError::Price("amount".into()))
        );
        assert_eq!(order_line([("product", "matcha")]).unwrap().quantity, 1);
        for q in ["0", "11", "-1", "1.5", ""] {
            assert_eq!(
                order_line([("product", "matcha"), ("quantity", q)]),
                Err(OrderRequestError::Quantity),
                "{q}"
            );
        }
        assert_eq!(
            order_line([("product", "nope")]),
            Err(OrderRequestError::UnknownProduct)
        );
    }
}
