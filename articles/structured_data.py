"""schema.org MedicalWebPage for an article: reviews and citations only as recorded."""

from django.conf import settings

from prolo_site.structured_data import PROLOTHERAPY


def article_structured_data(article, revision, sources, sign_off, clinic):
    url = f"{settings.SITE_URL}{article.get_absolute_url()}"
    publisher = (
        {"@type": "MedicalClinic", "name": clinic.name, "url": f"{settings.SITE_URL}/"} if clinic else None
    )
    if article.author_name:
        author = {"@type": "Person", "name": article.author_name}
    else:
        author = {
            "@type": "Organization",
            "name": f"{clinic.name} editorial team" if clinic else "Editorial team",
        }
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": revision.title,
        "headline": revision.title,
        "description": revision.summary,
        "inLanguage": f"{article.language}-US",  # the language of this row: en-US or es-US
        "about": PROLOTHERAPY,
        "author": author,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": (article.live_since or revision.created_at).isoformat(),
        "citation": [
            {
                "@type": "CreativeWork",
                "name": source.citation,
                **({"url": source.doi_url} if source.doi else {"url": source.url} if source.url else {}),
            }
            for source in sources
        ],
    }
    if publisher:
        data["publisher"] = publisher
    if sign_off is not None:  # only a clinician's sign-off of exactly this text
        data["lastReviewed"] = sign_off.signed_at.date().isoformat()
        data["reviewedBy"] = {"@type": "Person", "name": sign_off.provider.display_name}
    return {key: value for key, value in data.items() if value not in (None, "", [])}
