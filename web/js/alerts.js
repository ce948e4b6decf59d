// Alerts: a short chime (made with WebAudio, so there is no sound file to
// load), the same chime repeated as a ringtone for incoming calls, and a
// browser notification. Browsers only allow sound
// after the person has clicked or typed on the page, and we only ask for the
// notification permission when the volunteer presses "Turn on alerts".

let audio = null;

/** Prepares sound; call from a click or key press. */
export function unlockSound() {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

addEventListener("pointerdown", unlockSound, { once: true });
addEventListener("keydown", unlockSound, { once: true });

export function chime() {
  if (!audio || audio.state !== "running") return;
  const now = audio.currentTime;
  [660, 880].forEach((frequency, i) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.18);
    osc.stop(now + i * 0.18 + 0.4);
  });
}

export const canNotify = () => "Notification" in window;
export const notificationsAsked = () => canNotify() && Notification.permission !== "default";

export async function askForNotifications() {
  unlockSound();
  if (!canNotify() || Notification.permission !== "default") return canNotify() && Notification.permission;
  return Notification.requestPermission();
}

export function notify(title, body, tag) {
  if (!canNotify() || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag, icon: "/icons/icon-192.png" });
    n.onclick = () => {
      focus();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}

let ringTimer = null;

/** Rings (the chime every two seconds) until stopRinging(). */
export function startRinging() {
  if (ringTimer) return;
  chime();
  ringTimer = setInterval(chime, 2000);
}

export function stopRinging() {
  clearInterval(ringTimer);
  ringTimer = null;
}
