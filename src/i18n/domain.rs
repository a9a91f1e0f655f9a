//! Texts about the sender's domain (SPF, DKIM, DMARC, PTR): its findings, their fixes and the
//! report's section, in English and Spanish. Every value shown was escaped where it was read.

use super::Lang;

/// A message about the sender's domain.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub(crate) enum DomainMsg {
    /// The domain does not exist.
    NotFound { domain: String },
    /// The lookups failed.
    LookupFailed { domain: String, what: String },
    /// A free-mail From sent through another service.
    FreemailFrom {
        sender: String,
        domain: String,
        owner: Option<&'static str>,
        /// The service sending; `None`: your own server.
        service: Option<&'static str>,
    },
    /// No SPF record.
    SpfMissing {
        domain: String,
        /// The service sending; `None`: your own server.
        service: Option<&'static str>,
        needed: bool,
    },
    /// Several SPF records.
    SpfMultiple { domain: String, count: usize },
    /// The SPF record does not parse.
    SpfInvalid { domain: String, why: String },
    /// Too many DNS-querying terms.
    SpfTooManyLookups {
        domain: String,
        lookups: u32,
        includes: String,
    },
    /// Too many void lookups.
    SpfVoidLookups {
        domain: String,
        void: u32,
        names: String,
    },
    /// The SPF record does not authorise the service (or the address of your own server).
    SpfNotAuthorised {
        domain: String,
        /// The service sending; `None`: your own server.
        service: Option<&'static str>,
        include: Option<&'static str>,
        address: Option<String>,
        result: Option<&'static str>,
    },
    /// No key at the service's selectors.
    DkimMissing {
        domain: String,
        /// The service sending; `None`: your own server.
        service: Option<&'static str>,
        selectors: String,
    },
    /// A revoked key.
    DkimRevoked { name: String },
    /// A key in testing mode.
    DkimTesting { name: String },
    /// A key under 1024 bits.
    DkimKeyTooShort { name: String, bits: u32 },
    /// A selector CNAME that leads nowhere.
    DkimDangling { name: String, target: String },
    /// No DMARC record.
    DmarcMissing { domain: String, org: String },
    /// A DMARC record that does not parse, or several.
    DmarcInvalid { at: String, why: String },
    /// Neither SPF nor DKIM can pass aligned, and the policy enforces.
    DmarcWillFail {
        domain: String,
        /// The service sending; `None`: your own server.
        service: Option<&'static str>,
        reject: bool,
        spf_why: SpfUnaligned,
        dkim_why: DkimUnaligned,
    },
    /// Your own server's address has no reverse name.
    PtrMissing { address: String },
    /// The reverse name does not resolve back.
    PtrMismatch {
        address: String,
        name: String,
        forward: String,
    },
    /// Fix: publish these records.
    RecRecords { what: Records },
    /// Fix: where the DKIM keys are made, in the service's words (English, Spanish).
    RecConsole { en: &'static str, es: &'static str },
    /// Fix: use an address of your own domain.
    RecOwnDomain { service: Option<&'static str> },
    /// Fix: cut SPF lookups.
    RecFlattenSpf { includes: String },
    /// Fix: remove void terms.
    RecRemoveVoid { names: String },
    /// Fix: ask the address's owner for a PTR record.
    RecPtr { address: String, host: String },
}

/// Which records a "publish these records" fix gives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Records {
    /// One SPF record in place of those published.
    SpfReplacing,
    /// The DKIM records of a service.
    Dkim {
        /// The service's name.
        service: &'static str,
    },
    /// A first DMARC record (`p=none` with reports).
    DmarcStart,
}

/// Why SPF cannot pass aligned with the From domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpfUnaligned {
    /// The record itself fails (several, invalid, too many lookups).
    RecordFails,
    /// It does not authorise the service.
    NotAuthorised,
    /// The service sends with its own envelope domain.
    ServiceEnvelope,
    /// The envelope is a subdomain and `aspf=s`.
    SubdomainStrict,
}

/// Why DKIM cannot pass aligned with the From domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DkimUnaligned {
    /// The key is at the organisational domain and `adkim=s`.
    KeyAtOrganisationalDomain {
        /// The organisational domain.
        org: String,
    },
    /// No usable key at these selectors.
    NoValidKey {
        /// The selectors looked up, joined.
        selectors: String,
    },
}

/// The service sending, or "your own server".
fn service_name(service: Option<&'static str>, lang: Lang) -> &'static str {
    service.unwrap_or_else(|| word(lang, DomainWord::OwnServer))
}

fn records(what: &Records, lang: Lang) -> String {
    match (what, lang) {
        (Records::SpfReplacing, Lang::En) => "SPF: one record, replacing the ones there".into(),
        (Records::SpfReplacing, Lang::Es) => {
            "SPF: un solo registro, en lugar de los que hay".into()
        }
        (Records::Dkim { service }, Lang::En) => format!("DKIM for {service}"),
        (Records::Dkim { service }, Lang::Es) => format!("DKIM para {service}"),
        (Records::DmarcStart, Lang::En) => {
            "DMARC, a starting record: watch the reports, then move to p=quarantine".into()
        }
        (Records::DmarcStart, Lang::Es) => {
            "DMARC, un registro inicial: revise los informes y pase luego a p=quarantine".into()
        }
    }
}

fn spf_unaligned(why: &SpfUnaligned, lang: Lang) -> &'static str {
    use SpfUnaligned as W;
    match (why, lang) {
        (W::RecordFails, Lang::En) => "the record fails",
        (W::RecordFails, Lang::Es) => "el registro falla",
        (W::NotAuthorised, Lang::En) => "it does not authorise the service",
        (W::NotAuthorised, Lang::Es) => "no autoriza al servicio",
        (W::ServiceEnvelope, Lang::En) => "the service sends with its own envelope domain",
        (W::ServiceEnvelope, Lang::Es) => "el servicio envía con su propio dominio de sobre",
        (W::SubdomainStrict, Lang::En) => "the envelope is a subdomain and aspf=s",
        (W::SubdomainStrict, Lang::Es) => "el sobre es un subdominio y aspf=s",
    }
}

fn dkim_unaligned(why: &DkimUnaligned, lang: Lang) -> String {
    use DkimUnaligned as W;
    match (why, lang) {
        (W::KeyAtOrganisationalDomain { org }, Lang::En) => {
            format!("the key is at {org} and adkim=s")
        }
        (W::KeyAtOrganisationalDomain { org }, Lang::Es) => {
            format!("la clave está en {org} y adkim=s")
        }
        (W::NoValidKey { selectors }, Lang::En) => format!("no valid key at {selectors}"),
        (W::NoValidKey { selectors }, Lang::Es) => format!("ninguna clave válida en {selectors}"),
    }
}

fn reply_en(reject: bool) -> &'static str {
    if reject {
        "refused: Gmail answers 550 5.7.26, Yahoo 554 5.7.9, Outlook.com 550 5.7.515"
    } else {
        "delivered to spam (quarantine) at Gmail, Yahoo and Outlook.com"
    }
}

fn reply_es(reject: bool) -> &'static str {
    if reject {
        "rechazado: Gmail responde 550 5.7.26, Yahoo 554 5.7.9, Outlook.com 550 5.7.515"
    } else {
        "entregado en spam (cuarentena) en Gmail, Yahoo y Outlook.com"
    }
}

/// The text of `msg` in `lang`.
pub(crate) fn message(lang: Lang, msg: &DomainMsg) -> String {
    use DomainMsg as M;
    use Lang::{En, Es};
    match (msg, lang) {
        (M::NotFound { domain }, En) => format!("The sender's domain {domain} does not exist in DNS (no SOA, MX or address): Yahoo and others refuse mail from it outright. Use a sender address at a domain you own."),
        (M::NotFound { domain }, Es) => format!("El dominio del remitente {domain} no existe en DNS (sin SOA, MX ni dirección): Yahoo y otros rechazan su correo directamente. Use una dirección de remitente de un dominio suyo."),
        (M::LookupFailed { domain, what }, En) => format!("The sender's domain {domain} could not be checked: the resolver gave no answer ({what}). Nothing is said about its SPF, DKIM or DMARC."),
        (M::LookupFailed { domain, what }, Es) => format!("No se pudo comprobar el dominio del remitente {domain}: el resolvedor no respondió ({what}). No se dice nada de su SPF, DKIM ni DMARC."),
        (M::FreemailFrom { sender, domain, owner, service }, En) => format!("The sender {sender} is a free-mail address ({domain}{}) sent through {service}: {domain} publishes its own SPF and DMARC, which do not authorise {service}, so Gmail, Yahoo and Outlook.com refuse or junk it. Send from an address at your own domain, authenticated for {service}.", owner.map(|o| format!(", run by {o}")).unwrap_or_default(), service = service_name(*service, En)),
        (M::FreemailFrom { sender, domain, owner, service }, Es) => format!("El remitente {sender} es una dirección de correo gratuito ({domain}{}) enviada a través de {service}: {domain} publica su propio SPF y DMARC, que no autorizan a {service}, así que Gmail, Yahoo y Outlook.com lo rechazan o lo envían a spam. Envíe desde una dirección de su propio dominio, autenticada para {service}.", owner.map(|o| format!(", de {o}")).unwrap_or_default(), service = service_name(*service, Es)),
        (M::SpfMissing { domain, service, needed: true }, En) => format!("{domain} has no SPF record: receivers cannot tell that {service} may send for it, and Gmail and Yahoo require SPF (and DKIM) from senders.", service = service_name(*service, En)),
        (M::SpfMissing { domain, service, needed: true }, Es) => format!("{domain} no tiene registro SPF: los receptores no pueden saber que {service} puede enviar en su nombre, y Gmail y Yahoo exigen SPF (y DKIM) a los remitentes.", service = service_name(*service, Es)),
        (M::SpfMissing { domain, service, needed: false }, En) => format!("{domain} has no SPF record. {service} sends with its own envelope domain, so this does not stop delivery, but an SPF record keeps others from using the domain.", service = service_name(*service, En)),
        (M::SpfMissing { domain, service, needed: false }, Es) => format!("{domain} no tiene registro SPF. {service} envía con su propio dominio de sobre, así que esto no impide la entrega, pero un registro SPF evita que otros usen el dominio.", service = service_name(*service, Es)),
        (M::SpfMultiple { domain, count }, En) => format!("{domain} publishes {count} SPF records: that is a permanent error (RFC 7208 §4.5), so SPF fails for every sender. Merge them into one record."),
        (M::SpfMultiple { domain, count }, Es) => format!("{domain} publica {count} registros SPF: es un error permanente (RFC 7208 §4.5), así que SPF falla para todos los remitentes. Fusiónelos en un solo registro."),
        (M::SpfInvalid { domain, why }, En) => format!("The SPF record of {domain} does not parse ({why}): receivers treat it as a permanent error and SPF fails."),
        (M::SpfInvalid { domain, why }, Es) => format!("El registro SPF de {domain} no se puede interpretar ({why}): los receptores lo tratan como un error permanente y SPF falla."),
        (M::SpfTooManyLookups { domain, lookups, includes }, En) => format!("Evaluating the SPF record of {domain} takes {lookups} DNS lookups (include, a, mx, ptr, exists, redirect, counted as RFC 7208 §4.6.4 counts them); the limit is 10, so SPF ends in a permanent error. Included: {includes}."),
        (M::SpfTooManyLookups { domain, lookups, includes }, Es) => format!("Evaluar el registro SPF de {domain} necesita {lookups} consultas DNS (include, a, mx, ptr, exists, redirect, contadas como el RFC 7208 §4.6.4); el límite es 10, así que SPF termina en error permanente. Incluidos: {includes}."),
        (M::SpfVoidLookups { domain, void, names }, En) => format!("The SPF record of {domain} makes {void} lookups that find nothing ({names}); receivers that follow RFC 7208 §4.6.4 stop at 2 with a permanent error."),
        (M::SpfVoidLookups { domain, void, names }, Es) => format!("El registro SPF de {domain} hace {void} consultas que no encuentran nada ({names}); los receptores que siguen el RFC 7208 §4.6.4 se detienen en 2 con un error permanente."),
        (M::SpfNotAuthorised { domain, service, include: Some(inc), .. }, En) => format!("The SPF record of {domain} does not authorise {service}, which sends with {domain} as the envelope sender: it needs include:{inc}. Until then SPF fails for mail sent through {service}.", service = service_name(*service, En)),
        (M::SpfNotAuthorised { domain, service, include: Some(inc), .. }, Es) => format!("El registro SPF de {domain} no autoriza a {service}, que envía con {domain} como remitente del sobre: necesita include:{inc}. Mientras tanto SPF falla para el correo enviado por {service}.", service = service_name(*service, Es)),
        (M::SpfNotAuthorised { domain, address, result, .. }, En) => format!("The SPF record of {domain} does not authorise your server's address {} (SPF result: {}).", address.as_deref().unwrap_or("?"), result.unwrap_or("none")),
        (M::SpfNotAuthorised { domain, address, result, .. }, Es) => format!("El registro SPF de {domain} no autoriza la dirección de su servidor {} (resultado SPF: {}).", address.as_deref().unwrap_or("?"), result.unwrap_or("none")),
        (M::DkimMissing { domain, service, selectors }, En) => format!("No DKIM key for {service} at {domain} (selectors looked up: {selectors}): mail through {service} is not signed with {domain}, and Gmail and Yahoo require DKIM from bulk senders.", service = service_name(*service, En)),
        (M::DkimMissing { domain, service, selectors }, Es) => format!("No hay clave DKIM de {service} en {domain} (selectores consultados: {selectors}): el correo enviado por {service} no se firma con {domain}, y Gmail y Yahoo exigen DKIM a los remitentes masivos.", service = service_name(*service, Es)),
        (M::DkimRevoked { name }, En) => format!("The DKIM key at {name} is revoked (empty p=): signatures with it fail. Publish the current key, or remove the selector once nothing signs with it."),
        (M::DkimRevoked { name }, Es) => format!("La clave DKIM de {name} está revocada (p= vacío): las firmas con ella fallan. Publique la clave vigente, o elimine el selector cuando nada firme con él."),
        (M::DkimTesting { name }, En) => format!("The DKIM key at {name} is in testing mode (t=y): receivers may ignore its result. Remove t=y once signing works."),
        (M::DkimTesting { name }, Es) => format!("La clave DKIM de {name} está en modo de prueba (t=y): los receptores pueden ignorar su resultado. Quite t=y cuando la firma funcione."),
        (M::DkimKeyTooShort { name, bits }, En) => format!("The DKIM key at {name} has {bits} bits: Gmail treats keys under 1024 bits as failing. Generate a 2048-bit key."),
        (M::DkimKeyTooShort { name, bits }, Es) => format!("La clave DKIM de {name} tiene {bits} bits: Gmail trata las claves de menos de 1024 bits como fallidas. Genere una clave de 2048 bits."),
        (M::DkimDangling { name, target }, En) => format!("The DKIM selector {name} is a CNAME to {target}, which has no record: signatures with it cannot be verified. The target is usually misspelt or the provider's key was never enabled."),
        (M::DkimDangling { name, target }, Es) => format!("El selector DKIM {name} es un CNAME a {target}, que no tiene registro: las firmas con él no se pueden verificar. Suele ser un destino mal escrito o una clave del proveedor nunca activada."),
        (M::DmarcMissing { domain, org }, En) => format!("Neither {domain} nor {org} publishes a DMARC record (_dmarc.): Gmail requires one from bulk senders (421/550 4.7.40), and without it you get no reports."),
        (M::DmarcMissing { domain, org }, Es) => format!("Ni {domain} ni {org} publican registro DMARC (_dmarc.): Gmail lo exige a los remitentes masivos (421/550 4.7.40), y sin él no recibe informes."),
        (M::DmarcInvalid { at, why }, En) => format!("The DMARC record at {at} is not valid ({why}): receivers ignore it, as if the domain had none."),
        (M::DmarcInvalid { at, why }, Es) => format!("El registro DMARC de {at} no es válido ({why}): los receptores lo ignoran, como si el dominio no tuviera ninguno."),
        (M::DmarcWillFail { domain, service, reject, spf_why, dkim_why }, En) => format!("With {service} as {domain}'s DNS is set up now, neither SPF nor DKIM can pass aligned with {domain} (SPF: {}; DKIM: {}), and its DMARC policy enforces: mail from {domain} will be {}.", spf_unaligned(spf_why, En), dkim_unaligned(dkim_why, En), reply_en(*reject), service = service_name(*service, En)),
        (M::DmarcWillFail { domain, service, reject, spf_why, dkim_why }, Es) => format!("Con {service} tal como está configurado ahora el DNS de {domain}, ni SPF ni DKIM pueden pasar alineados con {domain} (SPF: {}; DKIM: {}), y su política DMARC se aplica: el correo de {domain} será {}.", spf_unaligned(spf_why, Es), dkim_unaligned(dkim_why, Es), reply_es(*reject), service = service_name(*service, Es)),
        (M::PtrMissing { address }, En) => format!("Your server's address {address} has no reverse DNS (PTR) name: Gmail refuses mail from such addresses (550 5.7.25) and others junk it."),
        (M::PtrMissing { address }, Es) => format!("La dirección de su servidor {address} no tiene nombre DNS inverso (PTR): Gmail rechaza el correo de esas direcciones (550 5.7.25) y otros lo envían a spam."),
        (M::PtrMismatch { address, name, forward }, En) => format!("Your server's address {address} has the reverse name {name}, but {name} resolves to {forward}, not back to {address}: the reverse DNS is not forward-confirmed, which Gmail requires (550 5.7.25)."),
        (M::PtrMismatch { address, name, forward }, Es) => format!("La dirección de su servidor {address} tiene el nombre inverso {name}, pero {name} resuelve a {forward}, no de vuelta a {address}: el DNS inverso no está confirmado, y Gmail lo exige (550 5.7.25)."),
        (M::RecRecords { what }, En) => format!("Publish these DNS records ({}):", records(what, En)),
        (M::RecRecords { what }, Es) => format!("Publique estos registros DNS ({}):", records(what, Es)),
        (M::RecConsole { en, .. }, En) => en.to_string(),
        (M::RecConsole { es, .. }, Es) => es.to_string(),
        (M::RecOwnDomain { service }, En) => format!("Send from an address at a domain you own, and authenticate that domain for {service} (its SPF include, its DKIM keys, a DMARC record).", service = service_name(*service, En)),
        (M::RecOwnDomain { service }, Es) => format!("Envíe desde una dirección de un dominio suyo, y autentique ese dominio para {service} (su include de SPF, sus claves DKIM y un registro DMARC).", service = service_name(*service, Es)),
        (M::RecFlattenSpf { includes }, En) => format!("Bring the SPF record under 10 lookups: remove the include: of services you no longer send through, and replace a:, mx: and ptr terms with the ip4:/ip6: ranges they stand for. Included now: {includes}."),
        (M::RecFlattenSpf { includes }, Es) => format!("Deje el registro SPF por debajo de 10 consultas: quite los include: de servicios que ya no usa y sustituya los términos a:, mx: y ptr por los rangos ip4:/ip6: que representan. Incluidos ahora: {includes}."),
        (M::RecRemoveVoid { names }, En) => format!("Remove the SPF terms whose names do not resolve: {names}."),
        (M::RecRemoveVoid { names }, Es) => format!("Quite los términos SPF cuyos nombres no resuelven: {names}."),
        (M::RecPtr { address, host }, En) => format!("Ask whoever owns {address} (the hosting or cloud provider's panel, or the ISP) to set its reverse DNS to {host}, and make {host} resolve to {address}."),
        (M::RecPtr { address, host }, Es) => format!("Pida a quien gestiona {address} (el panel del proveedor de hosting o nube, o el ISP) que ponga su DNS inverso a {host}, y haga que {host} resuelva a {address}."),
    }
}

/// Words of the report's "will it arrive" section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DomainWord {
    /// Section title.
    Title,
    /// "sending through".
    Through,
    /// "your own server".
    OwnServer,
    /// "no record".
    NoRecord,
    /// "lookups".
    Lookups,
    /// "void".
    Void,
    /// DKIM selectors cannot be seen without --dkim-selector.
    DkimUnseen,
    /// What DNS cannot show.
    Honesty,
    /// "policy".
    Policy,
}

/// A word of the section in `lang`.
pub(crate) fn word(lang: Lang, w: DomainWord) -> &'static str {
    use DomainWord as W;
    match (w, lang) {
        (W::Title, Lang::En) => "Will it arrive (the sender's domain)",
        (W::Title, Lang::Es) => "¿Llegará? (el dominio del remitente)",
        (W::Through, Lang::En) => "through",
        (W::Through, Lang::Es) => "a través de",
        (W::OwnServer, Lang::En) => "your own server",
        (W::OwnServer, Lang::Es) => "su propio servidor",
        (W::NoRecord, Lang::En) => "no record",
        (W::NoRecord, Lang::Es) => "sin registro",
        (W::Lookups, Lang::En) => "DNS lookups",
        (W::Lookups, Lang::Es) => "consultas DNS",
        (W::Void, Lang::En) => "void",
        (W::Void, Lang::Es) => "vacías",
        (W::DkimUnseen, Lang::En) => "this service's DKIM selectors are chosen in its console: give them with --dkim-selector to check them",
        (W::DkimUnseen, Lang::Es) => "los selectores DKIM de este servicio se eligen en su consola: indíquelos con --dkim-selector para comprobarlos",
        (W::Honesty, Lang::En) => "DNS shows what is published, not what the service really signs with, the envelope domain it really uses, or the domain's reputation",
        (W::Honesty, Lang::Es) => "el DNS muestra lo publicado, no con qué firma realmente el servicio, qué dominio de sobre usa de verdad ni la reputación del dominio",
        (W::Policy, Lang::En) => "policy",
        (W::Policy, Lang::Es) => "política",
    }
}
