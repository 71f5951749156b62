# Backpack — français. Chaque message doit aussi exister dans toutes les autres langues.

## Mise en page
skip-to-content = Aller au contenu principal
nav-label = Principal
nav-account = Mon compte
nav-admin = Utilisateurs
nav-login = Se connecter
nav-logout = Se déconnecter
nav-register = Créer un compte
language-label = Langue
language-apply = Appliquer
language-browser = Celle de mon navigateur
footer-text = Backpack — rassemblez, partagez et faites vérifier vos attestations d'apprentissage.

## Accueil
home-title = Votre e-Backpack
home-intro = Backpack rassemble vos certificats, badges et attestations d'apprentissage, prêts à être partagés et vérifiés.
home-welcome-user = Bienvenue, { $name }.
home-areas-title = Votre sac à dos
home-areas-text = Vos certificats, badges, certificats du portail, votre portfolio et vos notes apparaîtront ici.
home-manage-account = Gérer votre compte, vos adresses électroniques et vos DID

## Formulaires
field-email = Adresse électronique
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-current-password = Mot de passe actuel
field-display-name = Nom
field-language = Langue de l'interface
field-new-email = Ajouter une adresse électronique
field-did = Ajouter un DID
field-role = Rôle
field-disabled = Compte désactivé
password-hint = Au moins 10 caractères. Une longue phrase est plus facile à retenir et plus difficile à deviner.
form-has-errors = Certains champs demandent votre attention. Chaque problème est décrit à côté de son champ.
save = Enregistrer
status = État
actions = Actions
status-confirmed = Confirmée
status-pending = En attente de confirmation
status-active = Actif
status-disabled = Désactivé
confirm-sure = Êtes-vous sûr ?
pagination = Pages
previous = Page précédente
next = Page suivante

## Connexion, inscription, mots de passe
login-title = Connexion
login-submit = Se connecter
login-forgot = Mot de passe oublié ?
login-no-account = Pas encore de compte ?
register-title = Créer un compte
register-submit = Créer mon compte
register-have-account = Vous avez déjà un compte ?
forgot-title = Réinitialiser votre mot de passe
forgot-intro = Saisissez votre adresse électronique. Si elle correspond à un compte, nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = Envoyer le lien
forgot-sent = Si cette adresse correspond à un compte, un lien vous a été envoyé. Il est valable une heure.
reset-title = Choisir un nouveau mot de passe
reset-submit = Enregistrer le nouveau mot de passe
confirm-title = Confirmer votre adresse électronique
confirm-intro = Confirmez que cette adresse est la vôtre, pour que les attestations qui lui sont envoyées vous soient reconnues.
confirm-submit = Confirmer l'adresse

## Compte
account-title = Mon compte
account-profile = Profil
account-photo = Photo
account-photo-alt = Votre photo de profil
account-photo-choose = Choisir une photo
account-photo-hint = PNG, JPEG, WebP ou GIF, jusqu'à { $size }.
account-photo-upload = Envoyer la photo
account-photo-remove = Supprimer la photo
account-emails = Adresses électroniques
account-emails-intro = Les attestations délivrées à l'une de vos adresses confirmées vous sont reconnues.
account-dids = Identifiants décentralisés (DID)
account-dids-intro = Les attestations délivrées à un DID que vous avez confirmé vous sont reconnues. Pour confirmer un DID, signez le défi avec sa clé (par exemple : backpack key sign-challenge --key votre-cle.json DEFI) et collez le résultat.
account-password = Mot de passe
email-primary = Principale
email-make-primary = Faire de { $address } l'adresse principale
email-resend = Renvoyer la confirmation à { $address }
email-remove = Supprimer { $address }
email-add = Ajouter l'adresse
did-hint = Par exemple did:key:z6Mk… ou did:web:example.org
did-add = Ajouter le DID
did-challenge = Défi à signer :
did-proof = Défi signé (JWS compact)
did-confirm = Confirmer le DID
did-remove = Supprimer le DID
password-change = Changer le mot de passe

## Administration
admin-users-title = Utilisateurs
admin-back = Retour aux utilisateurs
role-learner = Apprenant
role-issuer-staff = Personnel émetteur
role-admin = Administrateur

## Messages après une action
done-profile-saved = Votre profil est enregistré.
done-password-changed = Votre mot de passe est changé. Toutes vos autres sessions ont été fermées.
done-email-added = L'adresse est ajoutée. Nous lui avons envoyé un lien de confirmation.
done-email-confirmed = L'adresse est confirmée.
done-email-removed = L'adresse est supprimée.
done-email-primary-set = C'est désormais votre adresse principale.
done-email-resent = Nous avons renvoyé le lien de confirmation.
done-did-added = Le DID est ajouté. Signez son défi pour le confirmer.
done-did-confirmed = Le DID est confirmé.
done-did-removed = Le DID est supprimé.
done-photo-saved = Votre photo est enregistrée.
done-photo-removed = Votre photo est supprimée.
done-user-updated = L'utilisateur est mis à jour.
done-password-reset = Votre mot de passe est enregistré. Vous pouvez vous connecter avec lui.
done-registered = Bienvenue ! Votre compte est prêt. Nous avons envoyé un lien de confirmation à votre adresse électronique.
done-logged-out = Vous êtes déconnecté.

## Erreurs
error-title = Un problème est survenu
error-home = Aller à l'accueil
err-required = Ce champ est obligatoire.
err-email-invalid = Saisissez une adresse électronique comme nom@example.org.
err-password-too-short = Le mot de passe doit comporter au moins 10 caractères.
err-too-long = C'est trop long.
err-invalid = Cette valeur n'est pas valide.
err-did-invalid = Saisissez un DID comme did:key:z6Mk… ou did:web:example.org.
err-email-taken = Cette adresse est déjà enregistrée.
err-password-wrong = Le mot de passe actuel n'est pas correct.
err-email-primary = L'adresse principale ne peut pas être supprimée. Choisissez d'abord une autre adresse confirmée comme principale.
err-email-unconfirmed = Seule une adresse confirmée peut devenir l'adresse principale.
err-too-many = Vous avez atteint la limite de 20.
err-did-taken = Vous avez déjà ajouté ce DID.
err-did-method-unsupported = Seuls les identifiants did:key peuvent être confirmés pour l'instant.
err-proof-malformed = Le défi signé n'est pas un JWS compact (trois parties séparées par des points).
err-proof-invalid = La signature ne se vérifie pas avec la clé de ce DID, ou elle ne signe pas le défi.
err-file-empty = Choisissez un fichier.
err-last-admin = L'instance doit garder au moins un administrateur actif.
err-invalid-input = Certains champs demandent votre attention.
err-invalid-credentials = L'adresse électronique ou le mot de passe n'est pas correct.
err-too-many-attempts = Trop de tentatives. Attendez 15 minutes puis réessayez.
err-not-found = Cette page n'existe pas, ou vous ne pouvez pas la voir.
err-forbidden = Vous ne pouvez pas faire cela.
err-token-invalid = Ce lien a expiré ou a déjà servi. Demandez-en un nouveau.
err-file-too-large = Le fichier est trop volumineux.
err-file-type-not-allowed = Ce type de fichier n'est pas accepté. Choisissez une image PNG, JPEG, WebP ou GIF.
err-internal = Un problème est survenu de notre côté. Rien n'a été modifié ; veuillez réessayer.
err-payload-too-large = Ce que vous avez envoyé est trop volumineux.
err-unsupported-media-type = Ce type de requête n'est pas accepté ici.
err-bad-request = La requête n'est pas valide.
err-method-not-allowed = Cette action n'est pas possible sur cette page.
err-csrf-failed = Ce formulaire a expiré ou provient d'un autre site. Rechargez la page et réessayez.

## Courriel
mail-confirm-subject = Confirmez votre adresse électronique pour Backpack
mail-confirm-body = Bonjour, confirmez que cette adresse est la vôtre en ouvrant ce lien : { $link } — Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.
mail-reset-subject = Réinitialisez votre mot de passe Backpack
mail-reset-body = Bonjour, pour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure : { $link } — Si vous n'êtes pas à l'origine de cette demande, ignorez ce message ; votre mot de passe reste inchangé.

## Mon e-Backpack : badges numériques
nav-badges = Mes badges
badges-title = Mes badges numériques
badges-import = Importer un badge
badges-import-intro = Choisissez un fichier de badge (JSON Open Badges 3.0 ou 2.0, un VC-JWT, ou une image PNG ou SVG « cuite »), ou collez son JSON ou son JWT. Il est vérifié dès son arrivée ; l'original est conservé tel quel.
badges-file = Fichier du badge
badges-paste = Ou collez le badge (JSON ou JWT)
badges-import-submit = Importer et vérifier
badges-list = Vos badges
badges-empty = Aucun badge pour l'instant. Importez-en un ci-dessus.
badges-back = Retour à mes badges
badge-name = Badge
badge-issuer = Émetteur
badge-description = Description
badge-criteria = Critères
badge-valid-from = Délivré (valable à partir du)
badge-valid-until = Valable jusqu'au
badge-format = Format
badge-checks = Vérification, contrôle par contrôle
badge-check = Contrôle
badge-outcome = Résultat
badge-detail = Détails
badge-download = Télécharger l'original
badge-delete = Supprimer ce badge
verdict-verified = Vérifié
verdict-key-not-bound = Clé non liée à l'émetteur
verdict-revoked = Révoqué
verdict-suspended = Suspendu
verdict-expired = Expiré
verdict-not-yet-valid = Pas encore valable
verdict-unverified = Non vérifiable ici
verdict-invalid = Non valide
verdict-verified-text = La signature est valide, faite avec la clé de l'émetteur, et le badge est dans sa période de validité.
verdict-key-not-bound-text = La signature est valide, mais rien ne montre que la clé appartient à l'émetteur nommé dans le badge.
verdict-revoked-text = L'émetteur a révoqué ce badge.
verdict-suspended-text = L'émetteur a suspendu ce badge pour le moment.
verdict-expired-text = Le badge a dépassé sa fin de validité.
verdict-not-yet-valid-text = Le badge n'est pas encore valable : sa date de début est dans le futur.
verdict-unverified-text = Rien n'est faux, mais il n'a pas pu être contrôlé ici : il n'est pas signé, il est hébergé ailleurs, ou il faut une consultation sur le réseau.
verdict-invalid-text = Un contrôle a échoué : le badge a été modifié après sa signature, ou il est mal formé.
check-structure = Structure
check-context = Vocabulaire (contextes JSON-LD)
check-proof = Signature
check-key-binding = Clé appartenant à l'émetteur
check-validity = Dates de validité
check-status = État de révocation
outcome-passed = Réussi
outcome-warning = Avertissement
outcome-failed = Échoué
outcome-not-checked = Non contrôlé
done-badge-imported = Le badge est importé et vérifié.
done-badge-already-here = Ce badge est déjà dans votre sac à dos.
done-badge-deleted = Le badge est supprimé.
err-badge-too-large = Ce badge est trop volumineux.
err-badge-malformed = Ce n'est ni un JSON valide ni un JWT valide.
err-badge-image-unreadable = Cette image ne contient aucun badge lisible.
err-badge-unsupported = Ce format de badge n'est pas pris en charge.
err-badge-not-a-credential = Ce n'est ni un badge ni une attestation.

## Vos données
account-data = Vos données
account-export-intro = Téléchargez tout le contenu de votre sac à dos en une seule archive : chaque fichier et badge d'origine, à l'octet près, avec un index (index.json) qui décrit chaque élément.
account-export = Télécharger toutes mes données
account-delete = Supprimer mon compte
account-delete-intro = Cela supprime définitivement votre compte, vos adresses, vos badges et vos fichiers. Téléchargez d'abord vos données si vous voulez les garder.
account-delete-confirm = Supprimer définitivement votre compte et tout son contenu ?
account-delete-submit = Supprimer définitivement mon compte
done-account-deleted = Votre compte et tout son contenu sont supprimés.

## Mon e-Backpack : notes
nav-notes = Mes notes
notes-title = Mes notes
notes-new = Écrire une note
notes-search = Rechercher dans les notes
notes-tag = Étiquette
notes-search-submit = Rechercher
notes-count = { $count ->
    [one] Une note
   *[other] { $count } notes
}
notes-empty = Aucune note trouvée.
notes-back = Retour à mes notes
note-title = Titre
note-body = Texte
note-body-hint = Markdown : **gras**, *italique*, listes, [liens](https://example.org). Le HTML est affiché comme du texte.
note-tags = Étiquettes
note-tags-hint = Séparées par des virgules, par exemple : rust, carrière
note-new-title = Nouvelle note
note-edit-title = Modifier la note
note-edit = Modifier
note-delete = Supprimer la note
done-note-saved = La note est enregistrée.
done-note-deleted = La note est supprimée.
err-tag-invalid = Une étiquette a au plus 40 caractères.
badge-recipient = Destinataire
recipient-yours = Délivré à vous ({ $identity }).
recipient-not-yours = Délivré à quelqu'un d'autre : il ne mentionne aucune de vos adresses électroniques ou DID confirmés.
recipient-not-named = Le badge ne mentionne aucun destinataire vérifiable.

## My e-Backpack: overview, timeline, search
nav-backpack = Mon e-Backpack
backpack-title = Mon e-Backpack
backpack-back = Retour à mon e-Backpack
backpack-collections-link = Mes collections ({ $count })
backpack-export-link = Tout télécharger (archive)
area-certificate = Certificat externe
area-badge = Badge numérique
area-portal = Certificat du portail
area-note = Note
area-certificate-title = Certificats externes
area-certificate-intro = Les certificats obtenus ailleurs (Coursera, edX, Canvas Network, Cognitive Class…), en PDF ou en image, avec leurs détails.
area-badge-title = Badges numériques
area-badge-intro = Les Open Badges importés de toute source, vérifiés à l’import et à chaque consultation.
area-portal-title = Certificats du portail
area-portal-intro = Les attestations signées que ce portail vous a délivrées pour les cours suivis ici.
area-portfolio-title = Portfolio
area-portfolio-intro = Votre CV : expérience, formation, langues et compétences, avec vos attestations comme preuves.
area-note-title = Notes
area-note-intro = Vos notes et fichiers personnels, que vous pouvez lier à vos attestations.
items-count = { $count ->
    [one] 1 élément
   *[other] { $count } éléments
}
bytes-count = { $count } octets
search-title = Rechercher dans mon e-Backpack
search-text = Mots (titres, émetteurs, descriptions, compétences, notes)
search-area = Rubrique
search-tag = Étiquette ou compétence
search-issuer = Émetteur ou plateforme
search-from = Du
search-to = Au
search-any = Toutes
search-submit = Rechercher
search-results = Résultats
search-nothing = Rien ne correspond à cette recherche.
timeline-title = Chronologie
timeline-empty = Votre e-Backpack est vide. Ajoutez un certificat, importez un badge ou écrivez une note pour commencer.
pager-label = Pages
pager-prev = Page précédente
pager-next = Page suivante
pager-page = Page { $page }

## External certificates
certificates-title = Mes certificats externes
certificates-back = Retour à mes certificats externes
certificates-upload = Ajouter un certificat
certificates-upload-intro = PDF, PNG ou JPEG. Si le PDF contient du texte, nous remplissons ce que nous pouvons lire (plateforme, cours, nom, date, lien de vérification) ; vous le vérifiez à la page suivante.
certificates-file = Fichier du certificat
certificates-upload-submit = Envoyer
certificates-list = Mes certificats
certificates-empty = Vous n’avez encore ajouté aucun certificat.
certificate-title-label = Titre
certificate-title-hint = Facultatif : sinon nous le lisons dans le fichier.
certificate-platform = Plateforme
certificate-platform-detect = Reconnaître d’après le fichier
platform-other = Autre
certificate-issuer = Émetteur
certificate-issuer-name = Nom de l’émetteur
certificate-issuer-hint = L’université ou l’entreprise derrière le cours, si ce n’est pas la plateforme.
certificate-issued-on = Date
certificate-credential-id = Identifiant du certificat
certificate-verification-url = Lien de vérification
certificate-tags = Compétences et étiquettes
certificate-description = Description
certificate-file = Fichier
certificate-download = Télécharger le fichier
certificate-edit = Modifier les détails
certificate-delete = Supprimer ce certificat
certificate-back = Retour au certificat
certificate-edit-title = Détails du certificat
certificate-edit-intro = Vérifiez ces détails et corrigez-les si besoin.
certificate-preview-alt = Aperçu de { $title }

## Portal certificates
portal-title = Mes certificats du portail
portal-back = Retour à mes certificats du portail
portal-empty = Ce portail ne vous a encore délivré aucune attestation. Terminez un cours pour en obtenir une.

## Badge details
badge-image-alt = Image du badge { $name }
badge-type = Type
badge-skills = Compétences et étiquettes
badge-alignments = Référentiels
badge-evidence = Preuves
badge-evidence-link = voir la preuve
badge-endorsements = Recommandations
badge-download-json = Télécharger en JSON
badge-download-png = Télécharger en image (PNG contenant l’attestation)

## Collections
collections-title = Mes collections
collections-back = Retour à mes collections
collections-intro = Regroupez certificats, badges et notes, pour une candidature ou un thème.
collections-empty = Vous n’avez encore aucune collection.
collection-new = Nouvelle collection
collection-name = Nom
collection-description = Description
collection-create = Créer la collection
collection-edit = Renommer ou décrire
collection-delete = Supprimer cette collection (ses éléments restent dans votre e-Backpack)
collection-empty = Cette collection est vide. Ajoutez des éléments depuis leur page.
collection-remove = Retirer « { $title } » de la collection
collection-add-to = Ajouter à la collection
collection-add-submit = Ajouter
collection-create-first = Créez une collection pour regrouper vos éléments.
item-in-no-collection = Cet élément n’est dans aucune collection.
item-notes-about = Notes sur cet élément

## Notes: files and links
note-files = Fichiers joints
note-files-empty = Aucun fichier joint.
note-file-add = Joindre un fichier
note-file-submit = Joindre
note-file-delete = Retirer { $name }
note-links = À propos de ces attestations
note-links-empty = Cette note n’est liée à aucune attestation.
note-links-choose = Choisir les attestations
note-links-legend = Attestations dont parle cette note
note-links-submit = Enregistrer les liens

## Portfolio
portfolio-title = Mon portfolio
portfolio-details = Informations personnelles
portfolio-photo-alt = Photo de profil
portfolio-photo-hint = Votre photo et votre nom viennent de votre compte.
portfolio-headline = Titre (par exemple votre métier)
portfolio-email = Adresse e-mail
portfolio-phone = Téléphone
portfolio-location = Lieu
portfolio-website = Site web
portfolio-summary = Résumé
portfolio-experience = Expérience professionnelle
portfolio-education = Éducation et formation
portfolio-languages = Langues
portfolio-skills = Compétences numériques et autres
portfolio-entry-title = Intitulé
portfolio-organisation = Organisme
portfolio-from = Début (mois)
portfolio-to = Fin (mois, vide si en cours)
portfolio-ongoing = en cours
portfolio-description = Description
portfolio-evidence = Preuves
portfolio-evidence-none = Ajoutez des certificats ou des badges à votre e-Backpack pour les citer ici.
portfolio-add = Ajouter
portfolio-add-language = Ajouter une langue
portfolio-add-skill = Ajouter une compétence
portfolio-language = Langue
portfolio-mother-tongue = Langue maternelle
portfolio-cefr = Niveaux (Cadre européen commun de référence)
cefr-listening = Écouter
cefr-reading = Lire
cefr-spoken-interaction = Prendre part à une conversation
cefr-spoken-production = S’exprimer oralement en continu
cefr-writing = Écrire
portfolio-skill = Compétence
portfolio-skill-category = Type
portfolio-skill-digital = Compétence numérique
portfolio-skill-other = Autre compétence
portfolio-skill-level = Niveau (facultatif)
portfolio-delete-entry = Supprimer « { $title } »

## Field errors and notices
err-choose-one = Choisissez l’une des options proposées.
err-date-invalid = Saisissez une date réelle, sous la forme année-mois-jour (par exemple 2024-03-15).
err-url-invalid = Saisissez une adresse web commençant par https:// ou http://.
err-month-invalid = Saisissez un mois sous la forme année-mois (par exemple 2024-03).
err-before-start = La fin doit venir après le début.
err-certificate-encrypted = Ce PDF est protégé par un mot de passe. Envoyez une copie non protégée.
err-certificate-type = Ce type de fichier n’est pas accepté. Choisissez un fichier PDF, PNG ou JPEG.
err-certificate-corrupt = Ce fichier n’a pas pu être lu : il est peut-être endommagé. Essayez de l’exporter à nouveau.
err-certificate-too-large = Ce fichier est trop volumineux.
err-image-too-large = Cette image est trop grande (trop de pixels). Envoyez une image plus petite.
done-certificate-uploaded = Certificat ajouté. Vérifiez les détails que nous avons remplis.
done-certificate-saved = Certificat enregistré.
done-certificate-deleted = Certificat supprimé.
done-collection-saved = Collection enregistrée.
done-collection-deleted = Collection supprimée.
done-collection-item-added = Ajouté à la collection.
done-collection-item-removed = Retiré de la collection.
done-portfolio-saved = Portfolio enregistré.
done-portfolio-entry-deleted = Entrée supprimée.
done-note-file-added = Fichier joint.
done-note-file-deleted = Fichier retiré.
done-note-links-saved = Liens enregistrés.
