//! What smtp-doctor knows of the world, as tables: mail providers, TLS-inspecting products,
//! what providers' refusals mean, the grammar of SPF, DKIM and DMARC records, what
//! applications' error texts say. Pure data and lookups, used by the probes (to name what they
//! see) and by the diagnosis (to explain it); one home per table.

pub(crate) mod causes;
pub(crate) mod errors;
pub(crate) mod hosting;
pub(crate) mod interception;
pub(crate) mod providers;
pub(crate) mod records;
pub(crate) mod security_products;
