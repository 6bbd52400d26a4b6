// Initiates the replica set if needed, waits for a primary, then creates or updates one
// user per service (readWrite on that service's database only). Idempotent: also rotates
// the passwords when the Secret changed.
const env = process.env;
const rsName = env.MONGO_REPLICA_SET;
const members = env.MONGO_MEMBERS.split(" ");

try {
  rs.status();
  print("replica set already initiated");
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  rs.initiate({_id: rsName, members: members.map((host, i) => ({_id: i, host: host}))});
  print("replica set initiated");
}

let primary = null;
for (let i = 0; i < 120 && !primary; i++) {
  const hello = db.hello();
  primary = hello.primary || null;
  if (!primary) sleep(1000);
}
if (!primary) throw new Error("no primary elected");
db = connect(`mongodb://${encodeURIComponent(env.MONGO_ROOT_USERNAME)}:` +
             `${encodeURIComponent(env.MONGO_ROOT_PASSWORD)}@${primary}/admin?authSource=admin`);

// One user per service, readWrite on its own database only (docs/security.md): a service's
// credentials cannot read or write another service's data.
const prefix = env.MONGO_DB_PREFIX || "";
for (const service of env.MONGO_SERVICES.split(/\s+/).filter(Boolean)) {
  const user = `mooc-${service}`;
  const pwd = env[`MONGO_PASSWORD_${service.toUpperCase()}`];
  if (!pwd) throw new Error(`MONGO_PASSWORD_${service.toUpperCase()} is not set`);
  const roles = [{role: "readWrite", db: prefix + service}];
  if (db.getUser(user)) {
    db.updateUser(user, {pwd: pwd, roles: roles});
    print(`updated user ${user}`);
  } else {
    db.createUser({user: user, pwd: pwd, roles: roles});
    print(`created user ${user}`);
  }
}
