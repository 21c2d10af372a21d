//! Photo upload: resumable after a cut, hash-verified, size- and
//! content-checked, only for photos cited in the caller's grids; thumbnails.

use gridsafe_core::{HazardLevel, PhotoHash, Sector};
use gridsafe_tests::{TestServer, assert_error, png, report, send};
use reqwest::StatusCode;

fn patch(
    s: &gridsafe_tests::Session,
    sha: &PhotoHash,
    offset: usize,
    total: usize,
    bytes: &[u8],
) -> reqwest::blocking::Response {
    s.http
        .patch(s.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(&s.token)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .header("upload-length", total.to_string())
        .body(bytes.to_vec())
        .send()
        .unwrap()
}

fn head(s: &gridsafe_tests::Session, sha: &PhotoHash) -> (u64, bool) {
    let r = s
        .http
        .head(s.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(&s.token)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let off = r.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    (
        off,
        r.headers()
            .get("upload-complete")
            .is_some_and(|v| v == "?1"),
    )
}

#[test]
fn an_upload_cut_half_way_resumes_from_the_servers_offset() {
    let s = TestServer::town();
    let mut phone = s.login("insp1");
    let photo = png(640, 480, 7);
    let sha = PhotoHash::of(&photo);
    // Not cited yet: refused.
    let r = patch(&phone, &sha, 0, photo.len(), &photo);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let ev = phone.event(report("V1", Sector::Fire, HazardLevel::General, vec![sha.clone()]).1);
    let (st, v) = phone.push(&[ev]);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["missing_photos"][0], sha.as_str());
    assert_eq!(head(&phone, &sha), (0, false));
    let half = photo.len() / 2;
    let r = patch(&phone, &sha, 0, photo.len(), &photo[..half]);
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    // The link drops; the phone asks where to go on.
    assert_eq!(head(&phone, &sha), (half as u64, false));
    // A wrong offset is answered with the right one.
    let r = patch(&phone, &sha, 3, photo.len(), &photo[3..]);
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["error"]["code"], "offset_mismatch");
    let r = patch(&phone, &sha, half, photo.len(), &photo[half..]);
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["upload-complete"], "?1");
    assert_eq!(head(&phone, &sha), (photo.len() as u64, true));
    // Nothing missing any more.
    let (_, v) = phone.push(&[]);
    assert_eq!(v["missing_photos"].as_array().unwrap().len(), 0);
    // The office downloads it and its thumbnail.
    let office = s.login("office");
    let r = office
        .http
        .get(office.url(&format!("/api/v1/blobs/{sha}")))
        .bearer_auth(&office.token)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().unwrap().as_ref(), photo.as_slice());
    let r = office
        .http
        .get(office.url(&format!("/api/v1/blobs/{sha}/thumb")))
        .bearer_auth(&office.token)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&r.bytes().unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    // A sibling village cannot see it.
    let v2 = s.login("insp2");
    let (st, v) = send(
        v2.http
            .get(v2.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&v2.token),
    );
    assert_error(st, &v, 404, "not_found");
}

#[test]
fn wrong_hash_oversized_and_non_images_are_refused() {
    let s = TestServer::town_with(&["--max-photo-mb", "1"]);
    let mut phone = s.login("insp1");
    let good = png(64, 64, 1);
    let pdf = b"%PDF-1.7\n this is a document, not a photo".to_vec();
    let big = {
        let mut b = png(8, 8, 2);
        b.resize(1024 * 1024 + 10, 0);
        b
    };
    let liar = PhotoHash::of(b"what the phone claimed");
    let shas = vec![
        PhotoHash::of(&good),
        PhotoHash::of(&pdf),
        PhotoHash::of(&big),
        liar.clone(),
    ];
    let ev = phone.event(report("V1", Sector::Fire, HazardLevel::General, shas.clone()).1);
    assert_eq!(phone.push(&[ev]).0, StatusCode::OK);
    let put = |sha: &PhotoHash, bytes: &[u8]| {
        send(
            phone
                .http
                .put(phone.url(&format!("/api/v1/blobs/{sha}")))
                .bearer_auth(&phone.token)
                .body(bytes.to_vec()),
        )
    };
    let (st, v) = put(&liar, &good);
    assert_error(st, &v, 422, "hash_mismatch");
    let (st, v) = put(&shas[1], &pdf);
    assert_error(st, &v, 415, "not_an_image");
    let (st, v) = put(&shas[2], &big);
    assert_error(st, &v, 413, "too_large");
    // Declared too large up front in a resumable upload.
    let r = patch(&phone, &shas[2], 0, big.len(), &big[..100]);
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A resumable upload with a wrong hash is discarded: it starts again from 0.
    let r = patch(&phone, &liar, 0, good.len(), &good);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(head(&phone, &liar), (0, false));
    let (st, _) = put(&shas[0], &good);
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = put(&shas[0], &good);
    assert_eq!(st, StatusCode::OK);
    let (_, v) = phone.push(&[]);
    let missing: Vec<&str> = v["missing_photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 3);
    assert!(!missing.contains(&shas[0].as_str()));
}
