# Backpack — English. Every message here must also be in every other language.

## Layout
skip-to-content = Skip to main content
nav-label = Main
nav-account = My account
nav-admin = Users
nav-login = Log in
nav-logout = Log out
nav-register = Create an account
language-label = Language
language-apply = Apply
language-browser = Same as my browser
footer-text = Backpack — collect, share and verify your learning credentials.

## Home
home-title = Your e-Backpack
home-intro = Backpack keeps your certificates, badges and learning records in one place, ready to share and verify.
home-welcome-user = Welcome, { $name }.
home-areas-title = Your backpack
home-areas-text = Certificates, badges, portal certificates, your portfolio and notes will appear here.
home-manage-account = Manage your account, e-mail addresses and DIDs

## Forms
field-email = E-mail address
field-password = Password
field-new-password = New password
field-current-password = Current password
field-display-name = Name
field-language = Interface language
field-new-email = Add an e-mail address
field-did = Add a DID
field-role = Role
field-disabled = Account disabled
password-hint = At least 10 characters. A long phrase is easier to remember and harder to guess.
form-has-errors = Some fields need your attention. Each problem is described next to its field.
save = Save
status = Status
actions = Actions
status-confirmed = Confirmed
status-pending = Waiting for confirmation
status-active = Active
status-disabled = Disabled
confirm-sure = Are you sure?
pagination = Pages
previous = Previous page
next = Next page

## Log in, register, passwords
login-title = Log in
login-submit = Log in
login-forgot = Forgot your password?
login-no-account = No account yet?
register-title = Create an account
register-submit = Create my account
register-have-account = Already have an account?
forgot-title = Reset your password
forgot-intro = Enter your e-mail address. If it belongs to an account, we will send you a link to choose a new password.
forgot-submit = Send the link
forgot-sent = If this address belongs to an account, a link is on its way. It works for one hour.
reset-title = Choose a new password
reset-submit = Set the new password
confirm-title = Confirm your e-mail address
confirm-intro = Confirm that this address is yours, so that credentials sent to it are recognised as yours.
confirm-submit = Confirm the address

## Account
account-title = My account
account-profile = Profile
account-photo = Photo
account-photo-alt = Your profile photo
account-photo-choose = Choose a photo
account-photo-hint = PNG, JPEG, WebP or GIF, up to { $size }.
account-photo-upload = Upload the photo
account-photo-remove = Remove the photo
account-emails = E-mail addresses
account-emails-intro = Credentials issued to any confirmed address of yours are recognised as yours.
account-dids = Decentralised identifiers (DIDs)
account-dids-intro = Credentials issued to a DID you confirmed are recognised as yours. To confirm a DID, sign the challenge with its key (for example: backpack key sign-challenge --key your-key.json CHALLENGE) and paste the result.
account-password = Password
email-primary = Primary
email-make-primary = Make { $address } the primary address
email-resend = Send the confirmation to { $address } again
email-remove = Remove { $address }
email-add = Add the address
did-hint = For example did:key:z6Mk… or did:web:example.org
did-add = Add the DID
did-challenge = Challenge to sign:
did-proof = Signed challenge (compact JWS)
did-confirm = Confirm the DID
did-remove = Remove the DID
password-change = Change the password

## Administration
admin-users-title = Users
admin-back = Back to the users
role-learner = Learner
role-issuer-staff = Issuer staff
role-admin = Administrator

## Notices after an action
done-profile-saved = Your profile is saved.
done-password-changed = Your password is changed. Every other session has been logged out.
done-email-added = The address is added. We sent it a confirmation link.
done-email-confirmed = The address is confirmed.
done-email-removed = The address is removed.
done-email-primary-set = This is now your primary address.
done-email-resent = We sent the confirmation link again.
done-did-added = The DID is added. Sign its challenge to confirm it.
done-did-confirmed = The DID is confirmed.
done-did-removed = The DID is removed.
done-photo-saved = Your photo is saved.
done-photo-removed = Your photo is removed.
done-user-updated = The user is updated.
done-password-reset = Your password is set. You can log in with it now.
done-registered = Welcome! Your account is ready. We sent a confirmation link to your e-mail address.
done-logged-out = You are logged out.

## Errors
error-title = Something went wrong
error-home = Go to the home page
err-required = This field is required.
err-email-invalid = Enter an e-mail address like name@example.org.
err-password-too-short = The password must have at least 10 characters.
err-too-long = This is too long.
err-invalid = This value is not valid.
err-did-invalid = Enter a DID like did:key:z6Mk… or did:web:example.org.
err-email-taken = This address is already registered.
err-password-wrong = The current password is not correct.
err-email-primary = The primary address cannot be removed. Make another confirmed address primary first.
err-email-unconfirmed = Only a confirmed address can become the primary one.
err-too-many = You have reached the limit of 20.
err-did-taken = You have already added this DID.
err-did-method-unsupported = Only did:key identifiers can be confirmed for now.
err-proof-malformed = The signed challenge is not a compact JWS (three parts separated by dots).
err-proof-invalid = The signature does not verify with this DID's key, or it signs something other than the challenge.
err-file-empty = Choose a file.
err-last-admin = The instance must keep at least one active administrator.
err-invalid-input = Some fields need your attention.
err-invalid-credentials = The e-mail address or the password is not correct.
err-too-many-attempts = Too many attempts. Wait 15 minutes and try again.
err-not-found = This page does not exist, or you cannot see it.
err-forbidden = You cannot do this.
err-token-invalid = This link has expired or has already been used. Ask for a new one.
err-file-too-large = The file is too large.
err-file-type-not-allowed = This type of file is not accepted. Choose a PNG, JPEG, WebP or GIF image.
err-internal = Something went wrong on our side. Nothing was changed; please try again.
err-payload-too-large = What you sent is too large.
err-unsupported-media-type = This kind of request is not accepted here.
err-bad-request = The request is not valid.
err-method-not-allowed = This action is not possible on this page.
err-csrf-failed = This form has expired or comes from another site. Reload the page and try again.

## Mail
mail-confirm-subject = Confirm your e-mail address for Backpack
mail-confirm-body = Hello, please confirm that this address is yours by opening this link: { $link } — If you did not ask for this, ignore this message.
mail-reset-subject = Reset your Backpack password
mail-reset-body = Hello, to choose a new password, open this link within one hour: { $link } — If you did not ask for this, ignore this message; your password stays as it is.

## My e-Backpack: digital badges
nav-badges = My badges
badges-title = My digital badges
badges-import = Import a badge
badges-import-intro = Choose a badge file (Open Badges 3.0 or 2.0 JSON, a VC-JWT, or a baked PNG or SVG image), or paste its JSON or JWT. It is verified as it arrives; the original is kept exactly as received.
badges-file = Badge file
badges-paste = Or paste the badge (JSON or JWT)
badges-import-submit = Import and verify
badges-list = Your badges
badges-empty = No badge yet. Import one above.
badges-back = Back to my badges
badge-name = Badge
badge-issuer = Issuer
badge-description = Description
badge-criteria = Criteria
badge-valid-from = Issued (valid from)
badge-valid-until = Valid until
badge-format = Format
badge-checks = Verification, check by check
badge-check = Check
badge-outcome = Result
badge-detail = Details
badge-download = Download the original
badge-delete = Delete this badge
verdict-verified = Verified
verdict-key-not-bound = Key not bound to the issuer
verdict-revoked = Revoked
verdict-suspended = Suspended
verdict-expired = Expired
verdict-not-yet-valid = Not yet valid
verdict-unverified = Not verifiable here
verdict-invalid = Invalid
verdict-verified-text = The signature is valid, made with the issuer's key, and the badge is within its validity dates.
verdict-key-not-bound-text = The signature is valid, but nothing shows that the key belongs to the issuer named in the badge.
verdict-revoked-text = The issuer has revoked this badge.
verdict-suspended-text = The issuer has suspended this badge for now.
verdict-expired-text = The badge is past its end of validity.
verdict-not-yet-valid-text = The badge is not valid yet: its start date is in the future.
verdict-unverified-text = Nothing is wrong, but it could not be checked here: it is unsigned, hosted elsewhere, or needs a look-up on the network.
verdict-invalid-text = A check failed: the badge was changed after signing, or it is malformed.
check-structure = Structure
check-context = Vocabulary (JSON-LD contexts)
check-proof = Signature
check-key-binding = Key belongs to the issuer
check-validity = Validity dates
check-status = Revocation status
outcome-passed = Passed
outcome-warning = Warning
outcome-failed = Failed
outcome-not-checked = Not checked
done-badge-imported = The badge is imported and verified.
done-badge-already-here = This badge is already in your backpack.
done-badge-deleted = The badge is deleted.
err-badge-too-large = This badge is too large.
err-badge-malformed = This is not valid JSON or a valid JWT.
err-badge-image-unreadable = This image carries no readable badge.
err-badge-unsupported = This badge format is not supported.
err-badge-not-a-credential = This is not a badge or a credential.

## Your data
account-data = Your data
account-export-intro = Download everything your backpack holds as one archive: every original file and badge, byte for byte, with an index (index.json) that describes each item.
account-export = Download all my data
account-delete = Delete my account
account-delete-intro = This deletes your account, your addresses, your badges and your files, for good. Download your data first if you want to keep it.
account-delete-confirm = Delete your account and everything in it, for good?
account-delete-submit = Delete my account for good
done-account-deleted = Your account and everything in it are deleted.

## My e-Backpack: notes
nav-notes = My notes
notes-title = My notes
notes-new = Write a note
notes-search = Search the notes
notes-tag = Tag
notes-search-submit = Search
notes-count = { $count ->
    [one] One note
   *[other] { $count } notes
}
notes-empty = No note found.
notes-back = Back to my notes
note-title = Title
note-body = Text
note-body-hint = Markdown: **bold**, *italic*, lists, [links](https://example.org). HTML is shown as text.
note-tags = Tags
note-tags-hint = Separated by commas, for example: rust, career
note-new-title = New note
note-edit-title = Edit the note
note-edit = Edit
note-delete = Delete the note
done-note-saved = The note is saved.
done-note-deleted = The note is deleted.
err-tag-invalid = A tag has at most 40 characters.
badge-recipient = Recipient
recipient-yours = Issued to you ({ $identity }).
recipient-not-yours = Issued to someone else: it names none of your confirmed e-mail addresses or DIDs.
recipient-not-named = The badge names no recipient that can be checked.

## My e-Backpack: overview, timeline, search
nav-backpack = My e-Backpack
backpack-title = My e-Backpack
backpack-back = Back to my e-Backpack
backpack-collections-link = My collections ({ $count })
backpack-export-link = Download everything (archive)
area-certificate = External certificate
area-badge = Digital badge
area-portal = Portal certificate
area-note = Note
area-certificate-title = External certificates
area-certificate-intro = Certificates you earned elsewhere (Coursera, edX, Canvas Network, Cognitive Class…), as PDF or image, with their details.
area-badge-title = Digital badges
area-badge-intro = Open Badges you imported from any source, checked when you import and each time you look.
area-portal-title = Portal certificates
area-portal-intro = Signed credentials this portal issued to you for the courses you completed here.
area-portfolio-title = Portfolio
area-portfolio-intro = Your CV: experience, education, languages and skills, with your credentials as evidence.
area-note-title = Notes
area-note-intro = Personal notes and files, which you can link to your credentials.
items-count = { $count ->
    [one] 1 item
   *[other] { $count } items
}
bytes-count = { $count } bytes
search-title = Search my e-Backpack
search-text = Words (titles, issuers, descriptions, skills, notes)
search-area = Area
search-tag = Tag or skill
search-issuer = Issuer or platform
search-from = From
search-to = To
search-any = Any
search-submit = Search
search-results = Results
search-nothing = Nothing matches this search.
timeline-title = Timeline
timeline-empty = Your e-Backpack is empty. Upload a certificate, import a badge or write a note to begin.
pager-label = Pages
pager-prev = Previous page
pager-next = Next page
pager-page = Page { $page }

## External certificates
certificates-title = My external certificates
certificates-back = Back to my external certificates
certificates-upload = Add a certificate
certificates-upload-intro = PDF, PNG or JPEG. If the PDF contains text, we fill in what we can read (platform, course, name, date, verification link); you check it on the next page.
certificates-file = Certificate file
certificates-upload-submit = Upload
certificates-list = My certificates
certificates-empty = You have not added any certificate yet.
certificate-title-label = Title
certificate-title-hint = Optional: otherwise we take it from the file.
certificate-platform = Platform
certificate-platform-detect = Recognise from the file
platform-other = Other
certificate-issuer = Issuer
certificate-issuer-name = Issuer name
certificate-issuer-hint = The university or company behind the course, if not the platform.
certificate-issued-on = Date
certificate-credential-id = Credential ID
certificate-verification-url = Verification link
certificate-tags = Skills and tags
certificate-description = Description
certificate-file = File
certificate-download = Download the file
certificate-edit = Edit the details
certificate-delete = Delete this certificate
certificate-back = Back to the certificate
certificate-edit-title = Certificate details
certificate-edit-intro = Check these details and correct them if needed.
certificate-preview-alt = Preview of { $title }

## Portal certificates
portal-title = My portal certificates
portal-back = Back to my portal certificates
portal-empty = This portal has not issued you a credential yet. Complete a course to earn one.

## Badge details
badge-image-alt = Image of the badge { $name }
badge-type = Type
badge-skills = Skills and tags
badge-alignments = Aligned to
badge-evidence = Evidence
badge-evidence-link = see the evidence
badge-endorsements = Endorsements
badge-download-json = Download as JSON
badge-download-png = Download as image (PNG with the credential inside)

## Collections
collections-title = My collections
collections-back = Back to my collections
collections-intro = Group certificates, badges and notes, for a job application or a topic.
collections-empty = You have no collection yet.
collection-new = New collection
collection-name = Name
collection-description = Description
collection-create = Create the collection
collection-edit = Rename or describe
collection-delete = Delete this collection (its items stay in your e-Backpack)
collection-empty = This collection is empty. Add items from their pages.
collection-remove = Remove “{ $title }” from the collection
collection-add-to = Add to the collection
collection-add-submit = Add
collection-create-first = Create a collection to group your items.
item-in-no-collection = This item is in no collection.
item-notes-about = Notes about this item

## Notes: files and links
note-files = Attached files
note-files-empty = No file attached.
note-file-add = Attach a file
note-file-submit = Attach
note-file-delete = Remove { $name }
note-links = About these credentials
note-links-empty = This note is not linked to any credential.
note-links-choose = Choose the credentials
note-links-legend = Credentials this note is about
note-links-submit = Save the links

## Portfolio
portfolio-title = My portfolio
portfolio-details = Personal details
portfolio-photo-alt = Profile photo
portfolio-photo-hint = Your photo and name come from your account.
portfolio-headline = Headline (e.g. your job title)
portfolio-email = E-mail address
portfolio-phone = Phone
portfolio-location = Location
portfolio-website = Website
portfolio-summary = Summary
portfolio-experience = Work experience
portfolio-education = Education and training
portfolio-languages = Languages
portfolio-skills = Digital and other skills
portfolio-entry-title = Title
portfolio-organisation = Organisation
portfolio-from = From (month)
portfolio-to = To (month, empty if ongoing)
portfolio-ongoing = ongoing
portfolio-description = Description
portfolio-evidence = Evidence
portfolio-evidence-none = Add certificates or badges to your e-Backpack to cite them here.
portfolio-add = Add
portfolio-add-language = Add a language
portfolio-add-skill = Add a skill
portfolio-language = Language
portfolio-mother-tongue = Mother tongue
portfolio-cefr = Levels (Common European Framework of Reference)
cefr-listening = Listening
cefr-reading = Reading
cefr-spoken-interaction = Spoken interaction
cefr-spoken-production = Spoken production
cefr-writing = Writing
portfolio-skill = Skill
portfolio-skill-category = Kind
portfolio-skill-digital = Digital skill
portfolio-skill-other = Other skill
portfolio-skill-level = Level (optional)
portfolio-delete-entry = Delete “{ $title }”

## Field errors and notices
err-choose-one = Choose one of the options offered.
err-date-invalid = Enter a real date, as year-month-day (e.g. 2024-03-15).
err-url-invalid = Enter a web address starting with https:// or http://.
err-month-invalid = Enter a month as year-month (e.g. 2024-03).
err-before-start = The end must come after the start.
err-certificate-encrypted = This PDF is protected by a password. Upload an unprotected copy.
err-certificate-type = This type of file is not accepted. Choose a PDF, PNG or JPEG file.
err-certificate-corrupt = This file could not be read: it may be damaged. Try exporting it again.
err-certificate-too-large = This file is too large.
err-image-too-large = This image is too large (too many pixels). Upload a smaller image.
done-certificate-uploaded = Certificate added. Check the details we filled in.
done-certificate-saved = Certificate saved.
done-certificate-deleted = Certificate deleted.
done-collection-saved = Collection saved.
done-collection-deleted = Collection deleted.
done-collection-item-added = Added to the collection.
done-collection-item-removed = Removed from the collection.
done-portfolio-saved = Portfolio saved.
done-portfolio-entry-deleted = Entry deleted.
done-note-file-added = File attached.
done-note-file-deleted = File removed.
done-note-links-saved = Links saved.
