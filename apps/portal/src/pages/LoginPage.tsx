/** Sign-in form: POST /c/login, then back to the page that sent the user here. */
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { IconBox } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { CURRENT_USER_KEY, logIn } from '../api/session';

/** Only same-site paths: `?redirect=https://elsewhere` must not turn the login page into an open redirect. */
function safeRedirect(target: string | null): string {
  return target && target.startsWith('/') && !target.startsWith('//') ? target : '/projects';
}

export default function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      if (!(await logIn(username, password))) {
        setFailure('Invalid user name or password.');
        return;
      }
      // forget the "no session" answer: the guarded pages must ask again, not redirect back here on the cached null
      queryClient.removeQueries({ queryKey: CURRENT_USER_KEY });
      navigate(safeRedirect(params.get('redirect')), { replace: true });
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <Center mih="100vh" bg="gray.1">
        <Paper withBorder shadow="sm" p="xl" w={380}>
          <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
            <Stack>
              <Center>
                <IconBox size={40} aria-hidden />
              </Center>
              <Title order={1} size="h2" ta="center" id="login-title">
                Wharf
              </Title>
              {failure && (
                <Alert color="red" role="alert">
                  {failure}
                </Alert>
              )}
              <TextInput label="Username" name="principal" autoComplete="username" required autoFocus value={username} onChange={(event) => setUsername(event.currentTarget.value)} />
              <PasswordInput label="Password" name="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.currentTarget.value)} />
              <Button type="submit" loading={busy} fullWidth>
                Log in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </main>
  );
}
