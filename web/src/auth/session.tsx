// The signed-in learner: claims from the access token, their name, and their activity queue.
// Restores the session from the stored refresh token when the tab is reloaded.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ActivityQueue } from "../api/activityQueue";
import { api } from "../api/client";
import type { Claims } from "../api/types";

type Session = {
  claims: Claims | null;
  fullName: string | null;
  restoring: boolean;
  queue: ActivityQueue | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [claims, setClaims] = useState<Claims | null>(api.claims);
  const [fullName, setFullName] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(!api.claims);

  useEffect(() => {
    const off = api.onSession(setClaims);
    if (!api.claims) void api.refresh().finally(() => setRestoring(false));
    return () => { off(); };
  }, []);

  useEffect(() => {
    setFullName(null);
    if (claims) api.me(claims.userId).then((u) => setFullName(u.full_name)).catch(() => undefined);
  }, [claims?.userId]);

  const queue = useMemo(() => {
    if (!claims) return null;
    return new ActivityQueue((a) => api.sendActivities(a), localStorage, `mooc.activities.${claims.userId}`);
  }, [claims?.userId]);

  useEffect(() => {
    if (!queue) return;
    const online = () => queue.retryNow();
    window.addEventListener("online", online);
    void queue.flush(); // what an earlier visit left unsent
    return () => window.removeEventListener("online", online);
  }, [queue]);

  const value: Session = {
    claims, fullName, restoring, queue,
    signIn: async (username, password) => { await api.signIn(username, password); },
    signOut: () => api.signOut(),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
