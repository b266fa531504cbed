# inbox.sh: cairn inbox (issue 16; sourced by suite.sh after login_admin):
# one list of what needs the caller.  Each kind seen arriving and leaving:
# a sign-off to give (the parent lead's), an objective sent back (its
# owner's), a mention (until marked seen, by id or all); what is due is
# `cairn due`'s own list, item for item; a mention of someone who may not
# read the thing never reaches their inbox; marking is one's own (another
# user's mention id marks nothing), needs more than a read-only token, and
# `inbox seen` takes an id or --all.

iq() {	# iq SQL: one value from the database
	psql_cairn -c "$1"
}
ids_of() {	# ids_of KIND WHO: the ids of the inbox's items of KIND
	as "$2" --json inbox | jq -r --arg k "$1" \
	    '[.[] | select(.kind == $k) | .id] | map(tostring) | join(" ")'
}

root_team=$(iq "SELECT slug FROM teams WHERE parent_id IS NULL")
if [ -z "$root_team" ]; then
	quietly "inbox: root team" as admin team add ibroot --name Root
	root_team=ibroot
fi
quietly "inbox: parent team" as admin team add ibpar --name Parent \
    --parent "$root_team"
quietly "inbox: team" as admin team add ibt --name Team --parent ibpar
quietly "inbox: private team" as admin team add ibpriv --name Private \
    --parent "$root_team" --private
quietly "inbox: period" as admin period add ibp \
    --start "$(date -u -d '-30 days' +%Y-%m-%d)" \
    --end "$(date -u -d '+60 days' +%Y-%m-%d)"
quietly "inbox: period open" as admin period open ibp
mkuser iblead member
mkuser ibown member
mkuser ibout member
quietly "inbox: lead of the parent" as admin team member add ibpar iblead --lead
quietly "inbox: owner, lead of the team" as admin team member add ibt ibown --lead
quietly "inbox: outsider elsewhere" as admin team member add ibpriv ibout
quietly "inbox: sign-off on" as admin team signoff ibt on

# --- A sign-off to give, then sent back ---------------------------------------
quietly "inbox: a proposed objective" as ibown obj add --team ibt \
    --period ibp --owner ibown --title "Ship the inbox"
IO=$OUT
expect_eq "the parent lead's inbox has the sign-off to give" \
    "$(ids_of signoff iblead)" "$IO"
expect_match "... in text, naming the objective and its owner" \
    "signoff #$IO \\[ibt ibp\\] Ship the inbox: awaits your sign-off \\(proposed by ibown\\)" \
    "$(as iblead inbox)"
expect_eq "the owner's inbox has no sign-off to give" \
    "$(ids_of signoff ibown)" ""
quietly "inbox: sent back" as iblead obj send-back "$IO" --note "Name a date"
expect_eq "sent back: gone from the lead's inbox" "$(ids_of signoff iblead)" ""
expect_eq "... and in the owner's, with the note" \
    "$(ids_of sent_back ibown)" "$IO"
expect_match "... saying who and why" \
    "sent_back #$IO \\[ibt\\] Ship the inbox: sent back by iblead: Name a date" \
    "$(as ibown inbox)"

# --- Mentions -----------------------------------------------------------------
quietly "inbox: a mention of the owner" as iblead comment add obj "$IO" \
    "@ibown a date, please; @ibout has nothing to do with it"
M=$(ids_of mention ibown)
expect_eq "a mention reaches the mentioned user's inbox" \
    "$(iq "SELECT count(*) FROM comment_mentions m JOIN users u ON u.id = m.user_id WHERE u.login = 'ibown' AND m.id = '${M:-0}'")" 1
expect_match "... in text, naming the thing and the author" \
    "mention #$M objective $IO: iblead: @ibown a date" "$(as ibown inbox)"
expect_eq "a mention of another user who reads the (public) objective reaches them too" \
    "$(ids_of mention ibout | wc -w)" 1
quietly "inbox: a private objective" as admin obj add --team ibpriv \
    --period ibp --owner ibout --title "Private plan"
IP=$OUT
quietly "inbox: a mention of ibown on it" as ibout comment add obj "$IP" \
    "@ibown cannot read this"
expect_eq "a mention of someone who may not read the thing never reaches their inbox" \
    "$(ids_of mention ibown)" "$M"
expect_exit "another user's mention id marks nothing (exit 0)" 0 \
    as ibout inbox seen "$M"
expect_eq "... it is still in its owner's inbox" "$(ids_of mention ibown)" "$M"
expect_exit "inbox seen without an id or --all is a usage error" 2 \
    as ibown inbox seen
expect_exit "inbox seen with both is a usage error" 2 \
    as ibown inbox seen "$M" --all
quietly "inbox: a read-only token" as ibown token add ibro --scope read
IBRO=$OUT
expect_exit "a read-only token may read the inbox" 0 \
    env CAIRN_TOKEN="$IBRO" XDG_CONFIG_HOME="$T/nobody" "$BIN/cairn" inbox
expect_exit "... but not mark a mention seen (E_FORBIDDEN)" 4 \
    env CAIRN_TOKEN="$IBRO" XDG_CONFIG_HOME="$T/nobody" "$BIN/cairn" \
    inbox seen "$M"
expect_match "inbox seen ID marks it" "1 mention marked seen" \
    "$(as ibown inbox seen "$M")"
expect_eq "... and it leaves the inbox" "$(ids_of mention ibown)" ""
quietly "inbox: two more mentions" as iblead comment add obj "$IO" \
    "@ibown one"
quietly "inbox: ..." as iblead comment add obj "$IO" "@ibown two"
expect_eq "two new mentions" "$(ids_of mention ibown | wc -w)" 2
expect_match "inbox seen --all marks them all" "2 mentions marked seen" \
    "$(as ibown inbox seen --all)"
expect_eq "... and the inbox has none left" "$(ids_of mention ibown)" ""

# --- What is due is due's own list ---------------------------------------------
for who in admin iblead ibown; do
	expect_eq "$who: the inbox's due items are 'cairn due's, item for item" \
	    "$(as "$who" --json inbox | jq -c '[.[] | select(.kind != "mention" and .kind != "sent_back") | [.kind, .id]]')" \
	    "$(as "$who" --json due | jq -c '[.[] | [.kind, .id]]')"
done
