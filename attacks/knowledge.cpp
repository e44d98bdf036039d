#include "attacks/knowledge.hpp"

#include <algorithm>
#include <utility>

#include "protocols/core/codec.hpp"

namespace mtc::attacks {

Result<const Observation*> Knowledge::observe(Bytes frame, std::string from, std::string to,
                                              bool secure, std::string run, std::int64_t ts_us) {
    auto msg = decode(*spec_->schema, view(frame));
    if (!msg) return Error{"observe: " + msg.error().reason, msg.error().offset};

    Observation o;
    o.id = obs_.size();
    o.ts_us = ts_us;
    o.from = std::move(from);
    o.to = std::move(to);
    o.secure = secure;
    o.run = std::move(run);
    o.frame = std::move(frame);
    o.msg = std::move(msg).value();
    obs_.push_back(std::move(o));
    const std::size_t id = obs_.size() - 1;
    if (!secrets_.empty() && !spec_->recipes.seals.empty()) open_seals();
    return &obs_[id];
}

const Observation* Knowledge::find(std::size_t id) const {
    return id < obs_.size() ? &obs_[id] : nullptr;
}

const Observation* Knowledge::in_run(const std::string& run, const std::string& type_name) const {
    const MessageSpec* ms = spec_->schema->message(std::string_view(type_name));
    if (ms == nullptr) return nullptr;
    for (const Observation& o : obs_) {
        if (o.run == run && o.msg.type == ms->type) return &o;
    }
    return nullptr;
}

std::vector<const Observation*> Knowledge::of_type(std::uint8_t type) const {
    std::vector<const Observation*> out;
    for (const Observation& o : obs_) {
        if (o.msg.type == type) out.push_back(&o);
    }
    return out;
}

std::vector<Bytes> Knowledge::values_of_kind(FieldKind kind) const {
    std::vector<Bytes> out;
    std::set<Bytes> seen;
    for (const Observation& o : obs_) {
        const MessageSpec* ms = spec_->schema->message(o.msg.type);
        if (ms == nullptr) continue;  // cannot happen: observations decoded against the schema
        for (const Field& f : o.msg.fields) {
            const FieldSpec* fs = ms->field(f.tag);
            if (fs == nullptr || fs->kind != kind) continue;
            if (seen.insert(f.value).second) out.push_back(f.value);
        }
    }
    return out;
}

void Knowledge::learn_keys_in(const Message& msg, const std::string& how) {
    const MessageSpec* ms = spec_->schema->message(msg.type);
    if (ms == nullptr) return;
    for (const Field& f : msg.fields) {
        const FieldSpec* fs = ms->field(f.tag);
        if (fs == nullptr || fs->kind != FieldKind::key) continue;
        learn_key(fs->name, SecretBytes(f.value.begin(), f.value.end()),
                  "field " + fs->name + " of " + ms->name + " seen " + how);
    }
}

void Knowledge::learn_key(std::string name, SecretBytes value, std::string source) {
    const bool known = std::any_of(keys_.begin(), keys_.end(),
                                   [&value](const KnownKey& k) { return k.value == value; });
    if (known) return;
    keys_.push_back(KnownKey{std::move(name), std::move(value), std::move(source)});
}

namespace {

// Keeps the earliest time an entry was compromised.
void note_time(std::map<std::string, std::int64_t>& at, const std::string& name, std::int64_t t) {
    auto [it, inserted] = at.emplace(name, t);
    if (!inserted) it->second = std::min(it->second, t);
}

std::optional<std::int64_t> time_of(const std::map<std::string, std::int64_t>& at,
                                    const std::string& name) {
    auto it = at.find(name);
    if (it == at.end()) return std::nullopt;
    return it->second;
}

}  // namespace

void Knowledge::compromise(const std::string& instance, const Credentials& creds,
                           std::int64_t at_us) {
    note_time(instance_at_, instance, at_us);
    if (!creds.identity.empty()) {
        ids_.insert(creds.identity);
        note_time(identity_at_, creds.identity, at_us);
    }
    for (const auto& entry : creds.secrets) {
        // An instance's own secrets carry no owner in its Credentials ("PSKey"); their full
        // name adds the instance's identity ("PSKey:mtcd-0"), as the MTCs names its copy.
        const bool qualified = entry.first.find(':') != std::string::npos;
        const std::string name =
            qualified || creds.identity.empty() ? entry.first : entry.first + ":" + creds.identity;
        secrets_[name] = entry.second;
    }
}

bool Knowledge::is_compromised_instance(const std::string& instance) const {
    return instance_at_.count(instance) != 0;
}

std::optional<std::int64_t> Knowledge::compromised_at(const std::string& instance) const {
    return time_of(instance_at_, instance);
}

std::optional<std::int64_t> Knowledge::identity_compromised_at(const std::string& identity) const {
    return time_of(identity_at_, identity);
}

void Knowledge::learn_secret(const std::string& name, SecretBytes value) {
    secrets_.emplace(name, std::move(value));
}

bool Knowledge::is_compromised_identity(const std::string& identity) const {
    return ids_.count(identity) != 0;
}

const SecretBytes* Knowledge::secret(const std::string& name) const {
    auto it = secrets_.find(name);
    return it == secrets_.end() ? nullptr : &it->second;
}

std::size_t Knowledge::open_seals() {
    std::size_t opened = 0;
    for (bool more = true; more;) {
        more = false;
        for (const Observation& o : obs_) {
            const MessageSpec* ms = spec_->schema->message(o.msg.type);
            if (ms == nullptr) continue;
            for (const SealRecipe& r : spec_->recipes.seals) {
                const FieldSpec* sealed = ms->field(r.field);
                const FieldSpec* owner = ms->field(r.identity_field);
                if (r.type != o.msg.type || !r.open || sealed == nullptr || owner == nullptr ||
                    !o.msg.has(sealed->tag) || !o.msg.has(owner->tag)) {
                    continue;
                }
                const Bytes& who = *o.msg.get(owner->tag);
                const std::string identity(who.begin(), who.end());
                const std::string learned = r.yields + ":" + identity;
                const std::string key_name = r.secret + ":" + identity;
                if (secret(learned) != nullptr) continue;
                const SecretBytes* key = secret(key_name);
                if (key == nullptr) continue;
                auto plain = r.open(o.msg, view(*key));
                if (!plain) continue;  // not this key's seal, or tampered with
                learn_key(learned, *plain,
                          "field " + r.field + " of " + ms->name + " (observation " +
                              std::to_string(o.id) + ") opened with " + key_name);
                learn_secret(learned, std::move(plain).value());
                ++opened;
                more = true;
            }
        }
    }
    return opened;
}

}  // namespace mtc::attacks
