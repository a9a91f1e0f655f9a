//! What smtp-doctor knows of the world, as tables: mail providers, TLS-inspecting products,
//! what providers' refusals mean, the grammar of SPF, DKIM and DMARC records, what
//! applications' error texts say. Pure data and lookups, used by the probes (to name what they
//! see) and by the diagnosis (to explain it); one home per table.

pub mod causes;
pub mod errors;
pub mod hosting;
pub mod interception;
pub mod providers;
pub mod records;
pub mod security_products;
