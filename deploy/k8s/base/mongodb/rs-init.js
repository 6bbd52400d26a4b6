// Initiates the replica set if needed, waits for a primary, then creates or updates the
// application user (readWrite on the platform's databases only). Idempotent: also rotates
// the application password when the Secret changed.
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

const prefix = env.MONGO_DB_PREFIX || "";
const roles = env.MONGO_APP_DATABASES.split(/\s+/).filter(Boolean)
  .map((name) => ({role: "readWrite", db: prefix + name}));
const user = env.MONGO_APP_USERNAME;
if (db.getUser(user)) {
  db.updateUser(user, {pwd: env.MONGO_APP_PASSWORD, roles: roles});
  print(`updated user ${user}`);
} else {
  db.createUser({user: user, pwd: env.MONGO_APP_PASSWORD, roles: roles});
  print(`created user ${user}`);
}
