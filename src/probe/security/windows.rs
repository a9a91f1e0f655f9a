//! Windows: Security Center's product list (`IWSCProductList`, antivirus and firewall) and
//! Windows Defender Firewall's profiles and rules (`INetFwPolicy2`), through COM: created with
//! `CoCreateInstance`, so wscapi.dll is never linked at load time and a system without it
//! (Windows Server, Wine) only fails that query. Neither needs an administrator.
//!
//! The COM calls are `unsafe` by the `windows` crate's signatures; each is a plain property
//! read on an interface the call before returned.

use super::{decode, Rules};
use crate::model::{
    FirewallProfile, ProductKind, SecurityObservation, SecuritySource, Unread, UnreadReason,
};
use std::time::{Duration, Instant};
use windows::core::{Interface, HRESULT};
use windows::Win32::Foundation::{E_NOTIMPL, REGDB_E_CLASSNOTREG, S_OK};
use windows::Win32::NetworkManagement::WindowsFirewall::{
    INetFwPolicy2, INetFwRule, NetFwPolicy2, NET_FW_ACTION_BLOCK, NET_FW_PROFILE2_DOMAIN,
    NET_FW_PROFILE2_PRIVATE, NET_FW_PROFILE2_PUBLIC,
};
use windows::Win32::System::Com::{
    CoCreateInstance, CoInitializeEx, CoUninitialize, IDispatch, CLSCTX_INPROC_SERVER,
    COINIT_MULTITHREADED,
};
use windows::Win32::System::Ole::IEnumVARIANT;
use windows::Win32::System::SecurityCenter::{
    IWSCProductList, WSCProductList, WSC_SECURITY_PROVIDER, WSC_SECURITY_PROVIDER_ANTIVIRUS,
    WSC_SECURITY_PROVIDER_FIREWALL,
};
use windows::Win32::System::Variant::{VariantClear, VARIANT, VT_DISPATCH};

/// COM for this thread, undone when dropped (only when this call did it).
struct Com(bool);

impl Com {
    fn init() -> Com {
        // SAFETY: no reserved pointer; balanced by CoUninitialize in Drop on success.
        let hr = unsafe { CoInitializeEx(None, COINIT_MULTITHREADED) };
        Com(hr.is_ok())
    }
}

impl Drop for Com {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: this thread's successful CoInitializeEx above.
            unsafe { CoUninitialize() }
        }
    }
}

fn reason(code: HRESULT) -> UnreadReason {
    // A class that is not registered, or a method that is a stub: this Windows has no such
    // component (Server, Wine).
    if code == REGDB_E_CLASSNOTREG || code == E_NOTIMPL {
        UnreadReason::NotAvailable
    } else {
        UnreadReason::Failed
    }
}

fn unread(source: SecuritySource, e: &windows::core::Error) -> Unread {
    Unread {
        source,
        reason: reason(e.code()),
        detail: Some(format!("HRESULT {:#010x}", e.code().0 as u32)),
    }
}

/// The roots of TLS-scanning products in the user's view of the ROOT store (which includes the
/// machine's roots), read without elevation.
fn trust_store(obs: &mut SecurityObservation) {
    use windows::Win32::Security::Cryptography::{
        CertCloseStore, CertEnumCertificatesInStore, CertOpenSystemStoreW,
    };
    let mut ders: Vec<Vec<u8>> = Vec::new();
    // SAFETY: the store handle is closed below; each context is valid until the next call to
    // CertEnumCertificatesInStore, and its bytes are copied out before that call.
    unsafe {
        let Ok(store) = CertOpenSystemStoreW(None, windows::core::w!("ROOT")) else {
            obs.unread.push(Unread {
                source: SecuritySource::TrustStore,
                reason: UnreadReason::Failed,
                detail: None,
            });
            return;
        };
        let mut context = CertEnumCertificatesInStore(store, None);
        while !context.is_null() && ders.len() < 2000 {
            let c = &*context;
            if !c.pbCertEncoded.is_null() {
                ders.push(
                    std::slice::from_raw_parts(c.pbCertEncoded, c.cbCertEncoded as usize).to_vec(),
                );
            }
            context = CertEnumCertificatesInStore(store, Some(context));
        }
        let _ = CertCloseStore(Some(store), 0);
    }
    obs.scanning_roots = decode::scanning_roots(ders.iter().map(Vec::as_slice));
    obs.read.push(SecuritySource::TrustStore);
}

/// Reads Security Center, the firewall's profiles and the trust store into `obs`; the
/// firewall's rules are returned, to be matched against each target's ports.
pub(super) fn read(limit: Duration, obs: &mut SecurityObservation) -> Rules {
    let deadline = Instant::now() + limit;
    let mut all = Vec::new();
    trust_store(obs);
    let _com = Com::init();
    let mut products = Vec::new();
    let mut failed = None;
    for (kind, provider) in [
        (ProductKind::Antivirus, WSC_SECURITY_PROVIDER_ANTIVIRUS),
        (ProductKind::Firewall, WSC_SECURITY_PROVIDER_FIREWALL),
    ] {
        match wsc_products(kind, provider) {
            Ok(p) => products.extend(p),
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    match failed {
        None => {
            obs.products = products;
            obs.read.push(SecuritySource::WindowsSecurityCenter);
        }
        Some(e) => obs
            .unread
            .push(unread(SecuritySource::WindowsSecurityCenter, &e)),
    }
    match firewall(deadline) {
        // Every Windows has hundreds of firewall rules: an empty list is a stand-in (Wine), not
        // a firewall with nothing in it.
        Ok(Some((_, rules))) if rules.is_empty() => obs.unread.push(Unread {
            source: SecuritySource::WindowsFirewall,
            reason: UnreadReason::NotAvailable,
            detail: Some("an empty rule list".into()),
        }),
        Ok(Some((profiles, rules))) => {
            obs.profiles = profiles;
            all = rules;
            obs.read.push(SecuritySource::WindowsFirewall);
        }
        Ok(None) => obs.unread.push(Unread {
            source: SecuritySource::WindowsFirewall,
            reason: UnreadReason::TimedOut,
            detail: None,
        }),
        Err(e) => obs.unread.push(unread(SecuritySource::WindowsFirewall, &e)),
    }
    // No active profile either: not a firewall that could be in the way.
    if obs.read.contains(&SecuritySource::WindowsFirewall) && obs.profiles.is_empty() {
        obs.read.retain(|s| *s != SecuritySource::WindowsFirewall);
        obs.unread.push(Unread {
            source: SecuritySource::WindowsFirewall,
            reason: UnreadReason::NotAvailable,
            detail: Some("no active profile".into()),
        });
    }
    Rules::Windows(all)
}

fn wsc_products(
    kind: ProductKind,
    provider: WSC_SECURITY_PROVIDER,
) -> windows::core::Result<Vec<crate::model::SecurityProduct>> {
    // SAFETY: COM calls on interfaces returned by the previous call, on a COM thread.
    unsafe {
        let list: IWSCProductList = CoCreateInstance(&WSCProductList, None, CLSCTX_INPROC_SERVER)?;
        list.Initialize(provider)?;
        let n = list.Count()?;
        let mut out = Vec::new();
        for i in 0..u32::try_from(n).unwrap_or(0).min(64) {
            let p = list.get_Item(i)?;
            let name = p.ProductName()?.to_string();
            let state = p.ProductState()?.0;
            let signature = p.SignatureStatus().map(|s| s.0).unwrap_or(-1);
            out.push(decode::wsc_product(&name, kind, state, signature));
        }
        Ok(out)
    }
}

type Firewall = (Vec<FirewallProfile>, Vec<decode::WindowsRule>);

/// The active profiles and every rule; `None` past the deadline.
fn firewall(deadline: Instant) -> windows::core::Result<Option<Firewall>> {
    // SAFETY: COM calls on interfaces returned by the previous call, on a COM thread; each
    // VARIANT from the enumerator is cleared after its interface was cloned out of it.
    unsafe {
        let policy: INetFwPolicy2 = CoCreateInstance(&NetFwPolicy2, None, CLSCTX_INPROC_SERVER)?;
        let current = policy.CurrentProfileTypes()?;
        let mut profiles = Vec::new();
        for (profile, name) in [
            (NET_FW_PROFILE2_DOMAIN, "domain"),
            (NET_FW_PROFILE2_PRIVATE, "private"),
            (NET_FW_PROFILE2_PUBLIC, "public"),
        ] {
            if current & profile.0 == 0 {
                continue;
            }
            profiles.push(FirewallProfile {
                name: name.into(),
                enabled: policy.get_FirewallEnabled(profile)?.0 != 0,
                blocks_outbound_by_default: policy.get_DefaultOutboundAction(profile)?
                    == NET_FW_ACTION_BLOCK,
            });
        }
        let rules = policy.Rules()?;
        let each: IEnumVARIANT = rules._NewEnum()?.cast()?;
        let mut out = Vec::new();
        loop {
            if Instant::now() > deadline {
                return Ok(None);
            }
            let mut item = [VARIANT::default()];
            let mut fetched = 0u32;
            if each.Next(&mut item, &mut fetched) != S_OK || fetched == 0 {
                break;
            }
            let v = &item[0].Anonymous.Anonymous;
            let dispatch: Option<IDispatch> = if v.vt == VT_DISPATCH {
                (*v.Anonymous.pdispVal).clone()
            } else {
                None
            };
            let _ = VariantClear(&mut item[0]);
            let Some(rule) = dispatch.and_then(|d| d.cast::<INetFwRule>().ok()) else {
                continue;
            };
            let text = |r: windows::core::Result<windows::core::BSTR>| {
                r.map(|b| b.to_string()).unwrap_or_default()
            };
            out.push(decode::WindowsRule::from_com(
                &text(rule.Name()),
                rule.Enabled().map(|b| b.0 != 0).unwrap_or(false),
                rule.Direction().map(|d| d.0).unwrap_or(0),
                rule.Action().map(|a| a.0).unwrap_or(1),
                rule.Protocol().unwrap_or(256),
                &text(rule.RemotePorts()),
                &text(rule.ApplicationName()),
            ));
        }
        Ok(Some((profiles, out)))
    }
}
