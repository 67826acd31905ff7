//! `#[derive(FromItem)]` for the store's item types: `from_item` (and `read`, over attributes a
//! caller shares) reading each named field from the attribute of its name by the field type's
//! `items::Attr` impl. The layout stays written once, in the type and its serde attributes: the
//! writer serialises the type, and the reader honours the same `#[serde(default)]`,
//! `#[serde(default = "path")]` and `#[serde(rename = "name")]`; an attribute that would make the
//! two disagree (`flatten`, `skip`, `skip_deserializing`, `alias`) is a compile error.
//!
//! A derived `Deserialize` would do the same through serde_dynamo, at the cost of one visitor per
//! type in every function that reads it; these reads are calls into shared, per-type readers.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields, LitStr, Token, parse_macro_input};

#[proc_macro_derive(FromItem)]
pub fn derive_from_item(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(Error::into_compile_error).into()
}

enum Default {
    Missing,
    Trait,
    Path(syn::ExprPath),
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => return Err(Error::new_spanned(name, "FromItem reads structs with named fields")),
        },
        _ => return Err(Error::new_spanned(name, "FromItem reads structs")),
    };
    let mut reads = Vec::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named");
        let mut key = LitStr::new(&ident.to_string(), ident.span());
        let mut default = Default::Missing;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    default = match meta.input.peek(Token![=]) {
                        true => Default::Path(meta.value()?.parse::<LitStr>()?.parse()?),
                        false => Default::Trait,
                    };
                } else if meta.path.is_ident("rename") {
                    key = meta.value()?.parse()?;
                } else if ["flatten", "skip", "skip_deserializing", "alias", "deserialize_with", "with"]
                    .iter()
                    .any(|n| meta.path.is_ident(n))
                {
                    return Err(meta.error("FromItem does not read this serde attribute"));
                } else if meta.input.peek(Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            })?;
        }
        reads.push(match default {
            Default::Missing => quote! { #ident: a.get(#key)? },
            Default::Trait => quote! { #ident: a.get_or(#key, ::core::default::Default::default)? },
            Default::Path(path) => quote! { #ident: a.get_or(#key, #path)? },
        });
    }
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #name #ty_generics #where_clause {
            /// Reads the fields from attributes a caller may go on reading.
            pub fn read(a: &mut crate::items::Attrs) -> ::anyhow::Result<Self> {
                Ok(#name { #(#reads,)* })
            }
            pub fn from_item(item: crate::items::Item) -> ::anyhow::Result<Self> {
                Self::read(&mut crate::items::Attrs::new(item))
            }
        }
    })
}
